"""The search loop: the mechanics every strategy shares, written once.

A strategy (maxcode/search/) only chooses: each step it calls, top to bottom,
`step.propose(parent, k)` -> `step.rank(candidates)` -> `step.evaluate(candidates)`, and may
`step.reject(candidates, why)` some before judging (recorded as `not_novel`, no evaluation).
This module does the rest: budget checks before spending, the LLM cache (inside the
proposers), code extraction, de-duplication of identical programs, parallel judging on a
thread pool, reward and `y`, the critique, and appending each node to the run store the
moment it finishes.

Resume: node ids and sample draws are functions of the steps before, so a re-run redoes the
last recorded step with the same observations; candidates already recorded are taken from
the trajectory (no proposer call, no evaluation), the rest are proposed and judged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Protocol

from maxcode.benchmarks.task import Task
from maxcode.budget import BudgetMeter
from maxcode.critique.base import Critique, CritiqueContext
from maxcode.errors import UserError
from maxcode.extract import extract_code
from maxcode.observation import Observation, ObservationBuilder
from maxcode.proposers.base import Proposer, Reply
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Evaluation
from maxcode.records.node import Node, NodeStatus, Prediction, ProposerInfo, source_hash
from maxcode.records.run import COMPILE_TIMING, FINAL_TIMING, RunWriter
from maxcode.records.usage import CriticUsage, Usage
from maxcode.reward.rewards import update_y
from maxcode.search_tree import SearchTree

log = logging.getLogger(__name__)

class TaskJudge(Protocol):
    """Judges one candidate; must be thread-safe (see maxcode/judging.py)."""

    def __call__(self, task: Task, source: str, incumbent: float | None = None,
                 full_budget: bool = False, versus_compile: bool = False) -> Evaluation:
        """`incumbent`: the lower bound of the best speedup so far (None before there is
        one); a judge may stop timing a candidate once it is known to fall below it.
        `full_budget`: decide nothing early and measure afresh, never from stored verdicts
        (the answer's re-timing, `Search.retime_best`). `versus_compile`:
        a kernel task's reference is timed through torch.compile too (only asked of a
        judge when `loop.versus_compile` is on)."""
        ...


def judge_error(exc: Exception) -> str:
    """The message of a judge that raised instead of returning a verdict."""
    return f"judge error: {type(exc).__module__}.{type(exc).__name__}: {exc}"


class Ranker(Protocol):
    """Reward-to-go reranking hook: best candidate first."""

    def rank(self, observation: str, candidates: list[str]) -> list[int]:
        """Indices into `candidates`, most promising first."""
        ...


class ScoringRanker(Protocol):
    """A ranker that scores each candidate in its context; the loop orders by score (ties
    keep proposal order) and records each score on the candidate's node (`rank_score`)."""

    def score(self, task: Task, contexts: list[tuple[list[Node], str, dict[str, Any]]]) -> list[float]:
        """One score per (path root..parent, candidate source, the reply's proposer meta);
        higher is better."""
        ...


class LearningRanker(ScoringRanker, Protocol):
    """A scoring ranker that learns during the run (`ranker=online`)."""

    def learn(self, task: Task, judged: list[Node]) -> None:
        """Every node of the run judged so far, before each ranking."""
        ...

    def predict(self, task: Task, contexts: list[tuple[list[Node], str, dict[str, Any]]]) -> list[Prediction]:
        """Each candidate's forecast speedup with its interval (recorded as `rank_prediction`)."""
        ...


class Strategy(Protocol):
    """A search method: one `step` per round, `done` when it has nothing left to do."""

    def step(self, step: Step) -> None: ...

    def done(self, tree: SearchTree) -> bool: ...


class CriticLedger:
    """Collects an LLM critic's requests per worker thread, so each is billed to its node.

    Pass it as `on_reply` to `LLMProposer.text_generator`; the loop drains it after each
    diagnosis.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, reply: Reply) -> None:
        self._pending().append(reply)

    def drain(self) -> list[Reply]:
        pending, self._local.replies = self._pending(), []
        return pending

    def _pending(self) -> list[Reply]:
        if not hasattr(self._local, "replies"):
            self._local.replies = []
        return self._local.replies


class StopSearch(Exception):
    """A budget cap or the strategy ended the search; `reason` says which."""


@dataclass
class LoopConfig:
    """Settings of the shared loop."""

    workers: int = 2
    """Candidates judged in parallel (threads; the judges are thread-safe)."""
    gamma: float = 1.0
    """Discount of the best-discounted reward: y <- max(y, r) / gamma."""
    idle_steps: int = 3
    """Stop after this many consecutive steps that judged no new program."""
    rank_keep: int | None = None
    """With a ranker: how many of a step's candidates are judged (the rest are `skipped`)."""
    race: bool = True
    """Pass the best so far to the judge, so that a candidate clearly below it stops being
    timed early (F-race style). Its node keeps the wider interval it stopped with; the
    answer is re-timed in full at the end either way (`Search.retime_best`)."""
    versus_compile: bool = False
    """Kernel tasks: when the search ends, time its answer once more against the reference
    through torch.compile too (`COMPILE_TIMING`; the summary's `best_speedup_vs_compile`).
    Off by default: it compiles the reference (about a minute on a 2-core CPU)."""


@dataclass
class Candidate:
    """A reply on its way to becoming a node."""

    parent: Node
    index: int
    observation: Observation
    reply: Reply
    source: str | None
    recorded: Node | None = None
    """Set when a resumed run already holds this (step, index)."""
    score: float | None = None
    """The ranker's score, when a scoring ranker ranked it."""
    prediction: Prediction | None = None
    """A learning ranker's forecast of its speedup."""


@dataclass
class Snapshot:
    """What the progress display shows after each node."""

    step: int
    best: Node | None
    counts: dict[str, int]
    usage: Usage
    nodes: int
    stop_reason: str = ""


class Step:
    """One round of the search, handed to the strategy."""

    def __init__(self, search: Search, number: int) -> None:
        self.search = search
        self.number = number
        self.tree = search.tree.before(number)
        """The tree as the step began: what the strategy chooses from."""
        self.recorded = {n.index: n for n in search.tree if n.step == number}
        self.candidates: list[Candidate] = []
        # Ids continue after the highest id of the earlier steps (never reused, even if an
        # earlier step recorded fewer nodes than it proposed).
        self.first_id = max(n.id for n in self.tree) + 1 if len(self.tree) else 1
        # Evaluations of this step already recorded (resume) are available again to it.
        left = search.meter.evaluations_left()
        self.evaluations_left = None if left is None else left + sum(
            n.evaluated for n in self.recorded.values())
        self.new_programs = 0
        self.judged: set[int] = set()
        """Indices of this step's candidates that went through `evaluate`."""

    # --- propose ---------------------------------------------------------------------
    def propose(self, parent: Node, k: int, inspirations: list[Node] | None = None) -> list[Candidate]:
        """Up to k candidates from `parent`; `inspirations`: other programs the strategy
        shows the proposer beside the parent (strategy=evolve's elites)."""
        s = self.search
        if self.evaluations_left is not None:
            # Candidates proposed but not yet judged (strategy=tree proposes again after a
            # judgement in the same step; what was judged is already off evaluations_left).
            pending = sum(c.source is not None and c.index not in self.judged for c in self.candidates)
            if s.config.rank_keep is not None:
                # A cut proposes K and judges at most rank_keep of them: the evaluation
                # cap limits what is judged (see `evaluate`), not what is proposed.
                k = k if self.evaluations_left - min(pending, s.config.rank_keep) > 0 else 0
            else:
                k = min(k, self.evaluations_left - pending)
        if k <= 0:
            return self._nothing_more("budget: no evaluations left for new candidates")
        draws = dict(s.draw_counts(self.tree))
        for c in self.candidates:
            draws[c.observation.prompt_hash] = draws.get(c.observation.prompt_hash, 0) + 1
        serial = len(self.tree) - 1 + len(self.candidates)
        obs = s.builder.build(s.task, self.tree, parent, draw_counts=draws, serial=serial, seed=s.seed,
                              inspirations=inspirations or [])
        indices = range(len(self.candidates), len(self.candidates) + k)
        if all(i in self.recorded for i in indices):
            replies = [Reply(text=self.recorded[i].reply, model=self.recorded[i].proposer.model)
                       for i in indices]
        else:
            if s.meter.calls_left() == 0:
                return self._nothing_more("budget: no proposer calls left")
            replies = s.proposer.propose(obs, k)
            s.store.write_prompt(obs.prompt_hash, obs.messages)
        new = []
        for i, reply in zip(indices, replies, strict=False):
            source = extract_code(reply.text, s.task.language)
            new.append(Candidate(parent, i, obs, reply, source, self.recorded.get(i)))
        self.candidates.extend(new)
        return new

    def _nothing_more(self, reason: str) -> list[Candidate]:
        """A cap forbids more proposals: end the search, unless this step already holds
        candidates, which are judged first (the loop stops before the next step)."""
        if not self.candidates:
            raise StopSearch(reason)
        return []

    # --- reject before judging ----------------------------------------------------------
    def reject(self, candidates: list[Candidate], why: list[str]) -> list[Node]:
        """Record candidates as `not_novel` without judging them (no evaluation spent);
        `why[i]` says what candidate i was too close to. A resumed run returns what it holds."""
        return [c.recorded if c.recorded is not None
                else self._record(self._node(c, NodeStatus.NOT_NOVEL, message=reason))
                for c, reason in zip(candidates, why, strict=True)]

    # --- rank ------------------------------------------------------------------------
    def rank(self, candidates: list[Candidate]) -> list[Candidate]:
        """Best first, per the ranker; without one, proposal order. Cut to `rank_keep`
        distinct new programs: a copy of a program already in the tree, or of one ranked
        above it, is recorded as a duplicate (no judgement) and takes no place in the cut,
        and the cut applies with or without a ranker (an ablation's control arm judges as
        many candidates as its ranked arm)."""
        s = self.search
        with_code = [c for c in candidates if c.source is not None]
        if s.ranker is not None and hasattr(s.ranker, "learn") and with_code:
            # An online ranker refits on every judgement of the run before each ranking (the
            # tree is the record, so a resumed run learns the same).
            s.ranker.learn(s.task, [n for n in s.tree if n.evaluated])
        if s.ranker is not None and hasattr(s.ranker, "score") and with_code:
            contexts = [(s.tree.lineage(c.parent), c.source, c.reply.meta) for c in with_code]
            scores = s.ranker.score(s.task, contexts)
            for c, value in zip(with_code, scores, strict=True):
                c.score = float(value)
            if hasattr(s.ranker, "predict"):
                for c, prediction in zip(with_code, s.ranker.predict(s.task, contexts), strict=True):
                    c.prediction = prediction
            order = sorted(range(len(with_code)), key=lambda i: -scores[i])
        elif s.ranker is not None and with_code:
            order = s.ranker.rank(candidates[0].observation.text, [c.source for c in with_code])
        else:
            order = range(len(with_code))
        ranked = [with_code[i] for i in order] + [c for c in candidates if c.source is None]
        keep = s.config.rank_keep
        if keep is None:
            return ranked
        kept: list[Candidate] = []
        chosen: set[str] = set()
        for c in ranked:
            h = source_hash(c.source) if c.source is not None else None
            if h is None or h in s.tree.by_hash or h in chosen:
                kept.append(c)  # no code, or a duplicate: recorded by `evaluate`, never judged
            elif len(chosen) < keep:
                chosen.add(h)
                kept.append(c)
            elif c.recorded is None:  # below the cut (every copy of it too); a resume has it already
                why = "ranked below rank_keep" if c.score is None else f"ranked below rank_keep (score {c.score:.3g})"
                self._record(self._node(c, NodeStatus.SKIPPED, message=why))
        return kept

    # --- evaluate and record ---------------------------------------------------------
    def evaluate(self, candidates: list[Candidate]) -> list[Node]:
        """Judge the candidates in parallel; every one becomes a recorded node."""
        s = self.search
        self.judged.update(c.index for c in candidates)
        done: dict[int, Node] = {}
        to_judge: list[Candidate] = []
        for c in candidates:
            if c.recorded is not None:
                done[c.index] = c.recorded
            elif c.source is None:
                done[c.index] = self._record(self._node(c, NodeStatus.NO_CODE,
                                                        message="the reply held no usable code"))
            else:
                to_judge.append(c)
        first_of: dict[str, Candidate] = {}
        duplicates: list[tuple[Candidate, str]] = []
        unique: list[Candidate] = []
        for c in to_judge:
            h = source_hash(c.source)
            if h in s.tree.by_hash or h in first_of:
                duplicates.append((c, h))
            elif self.evaluations_left is not None and len(unique) >= self.evaluations_left:
                done[c.index] = self._record(self._node(c, NodeStatus.SKIPPED,
                                                        message="evaluation budget spent"))
            else:
                first_of[h] = c
                unique.append(c)
        if self.evaluations_left is not None:
            self.evaluations_left -= len(unique)
        futures = {s.pool.submit(self._judge, c): c for c in unique}
        failure: BaseException | None = None
        for future in as_completed(futures):
            c = futures[future]
            try:
                node = future.result()
            except UserError as exc:  # e.g. the judges reject the task: stop, keep the rest
                failure = failure or exc
                continue
            done[c.index] = self._record(node, new_program=node.evaluated)
        if failure is not None:
            raise failure
        judged_now = {source_hash(c.source): done[c.index] for c in unique if c.index in done}
        for c, h in duplicates:
            # The first judged copy; a judge error has no verdict in `by_hash` but still counts.
            original = s.tree.by_hash.get(h) or judged_now[h]
            done[c.index] = self._record(self._node(
                c, original.status, evaluation=original.evaluation, reward=original.reward,
                diagnosis=original.diagnosis, duplicate_of=original.id,
                message=f"same program as node {original.id}"))
        return [done[c.index] for c in candidates if c.index in done]

    def _judge(self, c: Candidate) -> Node:
        """Judge, reward and critique one candidate (on a worker thread)."""
        s = self.search
        if s.meter.budget.max_wall_s is not None and s.meter.usage().wall_s >= s.meter.budget.max_wall_s:
            return self._node(c, NodeStatus.SKIPPED, message="wall-time budget spent")
        s.meter.add_evaluations(1)
        status, evaluation, message = NodeStatus.JUDGE_ERROR, None, ""
        try:
            evaluation = s.judge(s.task, c.source, incumbent=s.incumbent())
            status, message = NodeStatus.from_evaluation(evaluation), evaluation.message
        except UserError:
            raise
        except Exception as exc:  # one broken candidate must not end the search
            log.exception("judge failed on a candidate of step %d", self.number)
            message = judge_error(exc)
        diagnosis = self._diagnose(c, evaluation)
        critic = s.critic_ledger.drain() if s.critic_ledger else []
        return self._node(c, status, evaluation=evaluation, evaluated=True, message=message,
                          reward=s.reward(evaluation) if evaluation is not None else 0.0,
                          diagnosis=diagnosis, critic_usage=CriticUsage(
                              calls=sum(r.calls for r in critic),
                              prompt_tokens=sum(r.prompt_tokens for r in critic),
                              completion_tokens=sum(r.completion_tokens for r in critic),
                              cost_usd=sum(s.meter.cost(r.model, r.prompt_tokens, r.completion_tokens)
                                           for r in critic)))

    def _diagnose(self, c: Candidate, evaluation: Evaluation | None) -> Diagnosis | None:
        s = self.search
        if s.critique is None or evaluation is None:
            return None
        best = s.tree.best()
        context = CritiqueContext(
            best_speedup=best.speedup if best else None,
            best_speedup_ci=best.evaluation.speedup_ci if best and best.evaluation else None,
            parent_speedup=c.parent.speedup, step=self.number)
        try:
            diagnosis = s.critique.diagnose(s.task, c.source, evaluation, context)
        except UserError:
            raise
        except Exception:
            log.exception("critique failed; the node keeps the raw feedback only")
            return None
        return diagnosis if diagnosis.text else None

    def _node(self, c: Candidate, status: NodeStatus, **fields: Any) -> Node:
        s, r = self.search, c.reply
        cost = s.meter.cost(r.model, r.prompt_tokens, r.completion_tokens)
        reward = fields.get("reward")
        return Node(
            id=self.first_id + c.index, parent_id=c.parent.id, step=self.number, index=c.index,
            status=status, source=c.source,
            source_hash=source_hash(c.source) if c.source is not None else None, reply=r.text,
            proposer=ProposerInfo(
                model=r.model, prompt_hash=c.observation.prompt_hash,
                draw=c.observation.draw + sum(1 for o in self.candidates[:c.index]
                                              if o.observation is c.observation),
                prompt_tokens=r.prompt_tokens, completion_tokens=r.completion_tokens,
                cost_usd=cost, calls=r.calls, cached=r.cached, latency_s=r.latency_s, meta=r.meta),
            y=update_y(c.parent.y, reward or 0.0, s.config.gamma), rank_score=c.score,
            rank_prediction=c.prediction, **fields)

    def _record(self, node: Node, new_program: bool = False) -> Node:
        s = self.search
        node.elapsed_s = s.meter.usage().wall_s
        spent = node.spent()  # its evaluation was counted when judging began
        s.meter.add_llm(spent.llm_calls, spent.prompt_tokens, spent.completion_tokens, spent.cost_usd)
        s.store.append(node)
        s.tree.add(node)
        s.store.write_candidate(node, s.ext)
        self.new_programs += new_program
        s.notify(self.number)
        return node


class Search:
    """Runs a strategy on a task until a budget cap, the strategy or idleness stops it."""

    def __init__(self, task: Task, strategy: Strategy, proposer: Proposer, judge: TaskJudge,
                 store: RunWriter, meter: BudgetMeter, builder: ObservationBuilder,
                 reward: Callable[[Evaluation], float], critique: Critique | None = None,
                 ranker: Ranker | None = None, config: LoopConfig | None = None, seed: int = 0,
                 on_progress: Callable[[Snapshot], None] | None = None,
                 tree: SearchTree | None = None, critic_ledger: CriticLedger | None = None) -> None:
        self.task, self.strategy, self.proposer, self.judge = task, strategy, proposer, judge
        self.store, self.meter, self.builder, self.reward = store, meter, builder, reward
        self.critique, self.ranker = critique, ranker
        self.config = config or LoopConfig()
        self.seed, self.on_progress = seed, on_progress
        self.ext = "py" if task.language == "python" else task.language
        self.tree = tree or SearchTree()
        self.pool = ThreadPoolExecutor(max_workers=max(1, self.config.workers))
        self.step_number = 0
        self.stop_reason = ""
        self.critic_ledger = critic_ledger

    def run(self) -> str:
        """Search; returns why it stopped. Raises UserError (run saved) on a fatal problem."""
        resuming = len(self.tree) > 1
        if len(self.tree) == 0:
            root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE,
                        source=self.task.baseline_source,
                        source_hash=source_hash(self.task.baseline_source), message="the task's program")
            self.store.append(root)
            self.tree.add(root)
        self.step_number = max(1, self.tree.last_step())
        idle = 0
        try:
            while True:
                reason = self.meter.exhausted()
                if reason is None and not resuming and self.strategy.done(self.tree):
                    reason = "the strategy finished"
                if reason is None and idle >= self.config.idle_steps:
                    reason = f"no new program in {idle} steps"
                if reason:
                    self.stop_reason = reason
                    break
                step = Step(self, self.step_number)
                try:
                    self.strategy.step(step)
                except StopSearch as stop:
                    self.stop_reason = str(stop)
                    break
                idle = 0 if step.new_programs else idle + 1
                resuming = False
                self.step_number += 1
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.notify(self.tree.last_step())
        log.info("search stopped: %s", self.stop_reason)
        self.retime_best()
        self.compare_with_compile()
        return self.stop_reason

    def retime_best(self) -> None:
        """Re-time the answer against the baseline with the full budget (`FINAL_TIMING`),
        once per answer (a resume keeps it; a new best gets its own).

        The answer won a selection over noisy estimates, so its own figure is biased upward
        (the winner's curse) whether racing cut its timing short or not; a measurement taken
        after the choice is not. A failed re-timing is recorded, and the summary says so."""
        best = self.tree.best()
        if best is not None:
            self._judge_answer_again(best, FINAL_TIMING, "re-timing")

    def compare_with_compile(self) -> None:
        """Kernel tasks with `versus_compile`: the answer against the reference through
        torch.compile as well as eager (`COMPILE_TIMING`), once per answer (a resume keeps
        it). A failure leaves the run's own figures standing."""
        best = self.tree.best()
        if not self.config.versus_compile or self.task.family != "kernel" or best is None:
            return
        self._judge_answer_again(best, COMPILE_TIMING, "timing against torch.compile", versus_compile=True)

    def _judge_answer_again(self, best: Node, record: str, what: str, **how: Any) -> None:
        """Judge the answer once more with the full budget into `record`, once per answer
        (a resume finds it done). Not an evaluation of the budget: the program is judged
        already. A judge that raises leaves `evaluation` None and its `error`."""
        done = self.store.read_json(record)
        if done and done.get("node") == best.id:
            return
        evaluation, error = None, ""
        try:
            evaluation = self.judge(self.task, best.source, full_budget=True, **how).to_dict()
        except UserError:
            raise
        except Exception as exc:  # the run must not fail here
            log.exception("%s the best node %d failed", what, best.id)
            error = judge_error(exc)
        self.store.write_json(record, {"node": best.id, "evaluation": evaluation, "error": error})

    def incumbent(self) -> float | None:
        """What a candidate must be able to beat to matter: the lower bound of the best
        claim so far, when racing and when that bound is above 1 (else nothing to race)."""
        best = self.tree.best() if self.config.race else None
        ci = best.evaluation.speedup_ci if best is not None and best.evaluation else None
        return float(ci[0]) if ci and ci[0] > 1.0 else None

    def draw_counts(self, tree: SearchTree) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in tree.candidates():
            counts[n.proposer.prompt_hash] = counts.get(n.proposer.prompt_hash, 0) + 1
        return counts

    def notify(self, step: int) -> None:
        if self.on_progress is not None:
            self.on_progress(Snapshot(step=step, best=self.tree.best(), counts=self.tree.status_counts(),
                                      usage=self.meter.usage(), nodes=len(self.tree) - 1,
                                      stop_reason=self.stop_reason))
