"""The `Node` record: one proposed program, its verdict and its place in the search tree.

One line of `trajectory.jsonl` per node; JSON round-trip through `maxcode.records.jsonable`.
The root (id 0, status `baseline`) is the task's own program; every other node is one
proposer reply, whatever became of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Evaluation, Status, is_claimable
from maxcode.records.jsonable import from_dict, to_dict
from maxcode.records.usage import CriticUsage, Usage


class NodeStatus(str, Enum):
    """The judge's verdicts plus what can happen to a reply before or instead of judging."""

    OK = "ok"
    COMPILE_ERROR = "compile_error"
    RUNTIME_ERROR = "runtime_error"
    WRONG_ANSWER = "wrong_answer"
    TIMEOUT = "timeout"
    MEMORY_EXCEEDED = "memory_exceeded"
    REJECTED = "rejected"
    BASELINE = "baseline"
    """The root: the task's own program, never judged against itself."""
    NO_CODE = "no_code"
    """The reply held no usable code; the raw reply is kept in `reply`."""
    SKIPPED = "skipped"
    """Proposed but not judged: ranked below the cut, or the evaluation budget ran out."""
    JUDGE_ERROR = "judge_error"
    """The judge itself failed on this candidate (a MaxCode bug, logged); reward 0."""
    NOT_NOVEL = "not_novel"
    """Proposed but not judged: too similar to a program the strategy already holds
    (strategy=evolve's novelty rejection); `message` names the program and the similarity."""

    @classmethod
    def from_evaluation(cls, evaluation: Evaluation) -> NodeStatus:
        return cls(Status(evaluation.status).value)


@dataclass
class ProposerInfo:
    """Who wrote a node and what it cost."""

    model: str = ""
    """Model name as the proposer reports it (`library`, `gpt-4o`, a local path...)."""
    prompt_hash: str = ""
    """sha256 of the prompt messages (first 16 hex digits)."""
    draw: int = 0
    """Index of this sample among all samples drawn for the same prompt in this run."""
    prompt_tokens: int = 0
    """Prompt tokens billed to this node (a call's prompt is billed to its first sample)."""
    completion_tokens: int = 0
    """Completion tokens of this sample."""
    cost_usd: float = 0.0
    """Dollars billed to this node from the price table."""
    calls: int = 0
    """Proposer calls billed to this node (1 on the first sample of a call, else 0)."""
    cached: bool = False
    """True when the reply came from the LLM call cache (then it cost nothing)."""
    latency_s: float = 0.0
    """Seconds the proposer call took (shared by the samples of one call)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Proposer-specific extras (library variant name, finish reason...)."""


@dataclass
class Prediction:
    """A ranker's forecast of a candidate's speedup, made before the candidate was judged
    (from the run's earlier measurements only), so set beside its verdict it is a held-out
    test of the ranker: the run report's calibration plot."""

    speedup: float
    """The forecast (the exponent of the predicted mean log speedup)."""
    low: float
    """The 90% predictive interval of the measured speedup (the model's uncertainty and the
    measurement noise it assumes)."""
    high: float


@dataclass
class Node:
    """One program in the search tree."""

    id: int
    """0 for the root; then consecutive in (step, index) order, stable across resumes."""
    parent_id: int | None
    """The node whose program the proposer was asked to improve; None for the root."""
    step: int
    """Search step (round) that proposed it; 0 for the root."""
    index: int
    """Position among the replies of its step."""
    status: NodeStatus
    """Final state of the node."""
    source: str | None = None
    """The candidate program; None when the reply held no code."""
    source_hash: str | None = None
    """`source_hash(source)`; nodes with equal hashes are judged once."""
    reply: str = ""
    """Raw proposer reply, kept for audit and for `proposer=replay`."""
    proposer: ProposerInfo = field(default_factory=ProposerInfo)
    """Who wrote it and what it cost."""
    evaluation: Evaluation | None = None
    """The judge's verdict (copied from the original for a duplicate)."""
    reward: float | None = None
    """speedup if correct else 0; None when not judged (baseline, no_code, skipped, not_novel)."""
    diagnosis: Diagnosis | None = None
    """The critique's reading of the verdict, if a critique ran."""
    y: float = 0.0
    """Best-discounted reward on the path root..node: `update_y(parent.y, reward or 0)`."""
    critic_usage: CriticUsage = field(default_factory=CriticUsage)
    """LLM critic spending billed to this node."""
    duplicate_of: int | None = None
    """Id of an earlier node with the same source, whose verdict this one reuses."""
    evaluated: bool = False
    """True when this node cost one judge evaluation (false for duplicates and skips)."""
    elapsed_s: float = 0.0
    """Run wall time when the node was recorded, seconds, summed over resumed sessions."""
    message: str = ""
    """One line on what happened (judge message, why skipped, why no code)."""
    rank_score: float | None = None
    """The reward-to-go ranker's score of this candidate (expected speedup of its return)
    when a scoring ranker ranked its step, judged or skipped; None otherwise."""
    rank_prediction: Prediction | None = None
    """A forecasting ranker's (`ranker=online`) prediction of this candidate's speedup."""

    @property
    def correct(self) -> bool:
        return self.evaluation is not None and self.evaluation.correct

    @property
    def speedup(self) -> float | None:
        return self.evaluation.speedup if self.evaluation is not None else None

    @property
    def claim(self) -> float | None:
        """The speedup this node lets a run claim: a judged original (not a duplicate) whose
        interval lies above 1.0; None otherwise."""
        if self.duplicate_of is None and is_claimable(self.evaluation):
            return self.speedup
        return None

    def spent(self) -> Usage:
        """What this node cost: its proposer sample, its critic requests, its evaluation
        (wall time is the run's, not a node's: see `elapsed_s`)."""
        p, c = self.proposer, self.critic_usage
        return Usage(llm_calls=p.calls + c.calls, prompt_tokens=p.prompt_tokens + c.prompt_tokens,
                     completion_tokens=p.completion_tokens + c.completion_tokens,
                     cost_usd=p.cost_usd + c.cost_usd, evaluations=int(self.evaluated))

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Node:
        return from_dict(cls, data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Node:
        return cls.from_dict(json.loads(text))


def source_hash(source: str) -> str:
    """Hash ignoring trailing spaces and blank lines (never indentation: Python needs it)."""
    lines = [line.rstrip() for line in source.splitlines() if line.strip()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def total_spent(nodes: list[Node]) -> Usage:
    """What a run's recorded nodes cost together (wall time: the last node's run time)."""
    usage = Usage()
    for n in nodes:
        usage = usage + n.spent()
        usage.wall_s = max(usage.wall_s, n.elapsed_s)
    return usage


def best_so_far(nodes: Iterable[Node]) -> Iterator[tuple[Node, Usage, float]]:
    """The best-so-far curve of a run: after each candidate, in the order they were recorded,
    the spending so far and the best claimed speedup (1.0 until a claim: the user keeps the
    original)."""
    spent, best = Usage(), 1.0
    for n in sorted((n for n in nodes if n.parent_id is not None), key=lambda n: (n.elapsed_s, n.id)):
        spent = spent + n.spent()
        spent.wall_s = max(spent.wall_s, n.elapsed_s)
        if n.claim is not None:
            best = max(best, n.claim)
        yield n, spent, best
