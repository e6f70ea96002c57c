"""Each strategy's choice, and all of them under one equal evaluation budget."""

from __future__ import annotations

import pytest
from loop_fakes import ScriptedProposer, reply_for

from maxcode.budget import Budget
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
