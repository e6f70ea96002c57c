"""Each strategy's choice, and all of them under one equal evaluation budget."""

from __future__ import annotations

import hashlib

import pytest
from chat_server import FIXTURE_NOTE, ChatServer
from loop_fakes import ScriptedProposer, reply_for
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import NodeStatus

from maxcode.budget import Budget
from maxcode.proposers.base import Reply
from maxcode.proposers.openai_compat import OpenAIProposer
from maxcode.ranking import OnlineRanker
from maxcode.search.beam import Beam
from maxcode.search.best_of_n import BestOfN
from maxcode.search.evolve import Evolve
from maxcode.search.refine import Refine
from maxcode.search.tree import TreeSearch

PROGRAMS = [reply_for(tag) for tag in
            ("SPEED=1.2", "WRONG", "SPEED=2.0", "SPEED=0.8", "SPEED=3.0", "WRONG v2", "SPEED=1.6", "SPEED=2.5",
             "SPEED=1.1", "SPEED=4.0", "SPEED=0.9", "WRONG v3")]


@pytest.mark.parametrize("strategy", [BestOfN(n=100, batch=3), Refine(steps=None), Beam(width=2, samples=3, rounds=None),
                                      TreeSearch(samples=2, expansions=None),
                                      # These programs differ only in comments (the fake judge's
                                      # markers): evolve's novelty check rightly calls them one
                                      # program, so it is off here (test_evolve.py has it on).
                                      Evolve(samples=3, generations=None, novelty=None)],
                         ids=["best_of_n", "refine", "beam", "tree", "evolve"])
def test_every_strategy_respects_an_equal_evaluation_budget(make_search, strategy):
    budget = Budget(max_evaluations=8, max_llm_calls=None, max_wall_s=None)
    search = make_search(strategy, ScriptedProposer(PROGRAMS), budget=budget)
    reason = search.run()
    assert "evaluations" in reason
    assert search.meter.usage().evaluations == 8
    assert search.tree.best() is not None and search.tree.best().speedup >= 2.0


def test_beam_expands_the_fastest_correct_programs(make_search):
    search = make_search(Beam(width=2, samples=4, rounds=2), ScriptedProposer(PROGRAMS))
    search.run()
    second_round = [n for n in search.tree.candidates() if n.step == 2]
    # Round 1 found 1.2x (node 1), 2.0x (3), 0.8x (4): round 2 grows from nodes 3 and 1.
    assert sorted({n.parent_id for n in second_round}) == [1, 3]
    assert [n.parent_id for n in second_round] == [3, 3, 1, 1]


def test_tree_search_prefers_the_subtree_with_the_best_maximum(make_search):
    strategy = TreeSearch(samples=2, exploration=0.1, expansions=2)
    search = make_search(strategy, ScriptedProposer(PROGRAMS))
    search.run()
    # Step 1 from the root gives 1.2x and a wrong answer; step 2 expands the 1.2x program.
    assert [n.parent_id for n in search.tree.candidates() if n.step == 2] == [1, 1]
    best, size = strategy.subtree_stats(search.tree)
    assert best[0] == max(best.values()) and size[0] == len(search.tree) - 1


class _RunsDry:
    """Like the rewrites proposer once its rewrites are stacked: nothing more for the 3.0x
    program (with `repeat`: only copies of itself, as `mix` fills a shortfall with library
    programs the tree holds); a new program for any other parent, each time."""

    model = "scripted"

    def __init__(self, repeat: bool = False) -> None:
        self.repeat, self.made, self.asked = repeat, 0, []

    def propose(self, observation, k):
        parent = observation.parent.source or ""
        self.asked.append(observation.parent.id)
        if "SPEED=3.0" in parent:
            return [Reply(text=reply_for("SPEED=3.0"), model=self.model, calls=int(i == 0))
                    for i in range(k if self.repeat else 0)]
        out = []
        for i in range(k):
            self.made += 1
            tag = "SPEED=3.0" if self.made == 1 else f"SPEED=1.{self.made}"
            out.append(Reply(text=reply_for(tag), model=self.model, calls=int(i == 0)))
        return out


def test_tree_search_moves_on_from_a_node_the_proposer_has_nothing_more_for(make_search):
    # The 3.0x program has the highest bound; the proposer has nothing for it. The search
    # once chose it again and again and stopped idle after 3 steps with 8 of 10 evaluations left.
    proposer = _RunsDry()
    search = make_search(TreeSearch(samples=2, exploration=0.1, expansions=None), proposer,
                         budget=Budget(max_evaluations=10, max_llm_calls=None, max_wall_s=None))
    reason = search.run()
    assert "evaluations" in reason and search.meter.usage().evaluations == 10
    best_id = next(n.id for n in search.tree.candidates() if n.speedup == 3.0)
    assert proposer.asked.count(best_id) == 1  # asked once: the proposer said it has nothing more


def test_tree_search_passes_over_a_node_that_only_repeats_programs_within_the_step(make_search):
    # The 3.0x program's expansions only repeat programs of the tree (duplicates, no
    # judgement): each step then goes on to the next bound instead of idling.
    proposer = _RunsDry(repeat=True)
    search = make_search(TreeSearch(samples=2, exploration=0.1, expansions=None), proposer,
                         budget=Budget(max_evaluations=10, max_llm_calls=None, max_wall_s=None))
    reason = search.run()
    assert "evaluations" in reason and search.meter.usage().evaluations == 10
    best_id = next(n.id for n in search.tree.candidates() if n.speedup == 3.0)
    copies = [n for n in search.tree if n.parent_id == best_id]
    assert copies and all(n.duplicate_of == best_id for n in copies)


def test_a_tree_of_stacked_rewrites_spends_its_budget_on_a_real_problem(make_search):
    # pie-mini's pm01 with the real rewrites proposer (the rollouts' setting); the stand-in
    # judge calls every program correct at a speedup drawn from its text. The tree once
    # stopped idle after 12 of 60 evaluations, its best node's rewrites all stacked, while
    # 79 programs were within reach.
    from maxcode.benchmarks.loaders.builtin import load_builtin_suite

    from maxcode.proposers.rewrites import RewritesProposer

    (task,) = load_builtin_suite(["pie-mini/pm01_range_sum"]).tasks

    def judge(task, source, incumbent=None):
        draw = int(hashlib.sha256(source.encode()).hexdigest()[:4], 16) / 65536
        return Evaluation(status=Status.OK, correct=True, speedup=0.5 + 3 * draw, message="stand-in")

    search = make_search(TreeSearch(samples=2, expansions=None), RewritesProposer(), judge=judge,
                         budget=Budget(max_evaluations=60, max_llm_calls=None, max_wall_s=None), task=task)
    assert "evaluations" in search.run() and search.meter.usage().evaluations == 60


@pytest.mark.parametrize("strategy", [BestOfN(n=100, batch=4), Refine(steps=None, samples=4),
                                      Beam(width=2, samples=4, rounds=None), TreeSearch(samples=4, expansions=None),
                                      Evolve(samples=4, generations=None, novelty=None)],
                         ids=["best_of_n", "refine", "beam", "tree", "evolve"])
def test_every_strategy_ranks_an_llms_samples_and_judges_rank_keep_of_them(make_search, tmp_path, strategy):
    """`loop.rank_keep` with `ranker=online` under every strategy, the proposals an LLM's `n`
    samples a request (a real HTTP server speaking the OpenAI API; its replies are fixtures)."""
    speeds = ["1.2", "2.0", "0.8", "3.0", "1.6", "2.5", "1.1", "4.0", "0.9"]
    with ChatServer(lambda body, served: f"{FIXTURE_NOTE}\n{reply_for(f'SPEED={speeds[served % 9]} #{served}')}") as server:
        llm = OpenAIProposer(model="fixture-model", base_url=server.base_url, cache_path=str(tmp_path / "c.sqlite"))
        search = make_search(strategy, llm, budget=Budget(max_evaluations=8, max_llm_calls=None, max_wall_s=None),
                             rank_keep=2)
        search.ranker = OnlineRanker(seed=0)
        search.run()
        # n samples a request (beam splits its 4 over its 2 parents after the first round).
        assert server.requests and server.requests[0]["n"] == 4 and all(r["n"] >= 2 for r in server.requests)
    candidates = search.tree.candidates()
    judged = [n for n in candidates if n.evaluated]
    assert len(judged) == 8 and search.meter.usage().evaluations == 8
    for step in {n.step for n in candidates}:
        assert sum(n.evaluated for n in candidates if n.step == step) <= 2
    assert len([n for n in candidates if n.step == 1]) == 4  # 4 proposed, 2 judged
    skipped = [n for n in candidates if n.status is NodeStatus.SKIPPED]
    assert skipped and all(n.rank_score is not None and n.rank_prediction is not None for n in skipped)
    assert all(n.rank_prediction is not None for n in judged)
