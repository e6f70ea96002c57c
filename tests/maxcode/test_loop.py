"""The shared loop around a fake judge and a scripted proposer: records, dedup, failures,
budget caps, resume. The real judges are exercised end to end in test_optimize_cli.py."""

from __future__ import annotations

import json

import pytest
from loop_fakes import FakeJudge, ScriptedProposer, program, reply_for
from maxcode.records.node import NodeStatus
from maxcode.records.run import RunWriter

from maxcode.budget import Budget, Price
from maxcode.search.best_of_n import BestOfN
from maxcode.search.refine import Refine

REPLIES = [reply_for("SPEED=1.5"), reply_for("WRONG"), reply_for("SPEED=3.0"), "no code, sorry"]


def trajectory(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


def test_best_of_n_records_every_reply_and_finds_the_best(make_search, tmp_path):
    judge = FakeJudge()
    search = make_search(BestOfN(n=4, batch=4), ScriptedProposer(REPLIES), judge=judge)
    assert search.run() == "the strategy finished"
    statuses = {n.id: n.status for n in search.tree}
    assert statuses == {0: NodeStatus.BASELINE, 1: NodeStatus.OK, 2: NodeStatus.WRONG_ANSWER,
                        3: NodeStatus.OK, 4: NodeStatus.NO_CODE}
    assert search.tree.best().id == 3 and search.tree.best().speedup == 3.0
    assert search.tree.by_id[4].reply == "no code, sorry"
    assert len(judge.calls) == 3
    assert [n["id"] for n in sorted(trajectory(tmp_path / "run"), key=lambda n: n["id"])] == [0, 1, 2, 3, 4]
    # rewards: speedup if correct else 0; y is the best-discounted reward on the path
    assert [search.tree.by_id[i].reward for i in (1, 2, 3)] == [1.5, 0.0, 3.0]
    assert search.tree.by_id[3].y == 3.0


def test_identical_programs_are_judged_once(make_search):
    judge = FakeJudge()
    same = [reply_for("SPEED=2.0"), reply_for("SPEED=2.0").replace("\n", "  \n")]
    search = make_search(BestOfN(n=4, batch=2), ScriptedProposer(same), judge=judge)
    search.run()
    nodes = search.tree.candidates()
    assert len(nodes) == 4 and len(judge.calls) == 1
    assert [n.duplicate_of for n in nodes] == [None, 1, 1, 1]
    assert all(n.status is NodeStatus.OK and n.speedup == 2.0 for n in nodes)
    assert search.meter.usage().evaluations == 1


def test_judge_crash_becomes_a_node_and_the_search_goes_on(make_search):
    search = make_search(BestOfN(n=2, batch=2), ScriptedProposer([reply_for("BOOM"), reply_for("SPEED=2.0")]))
    search.run()
    crashed = search.tree.by_id[1]
    assert crashed.status is NodeStatus.JUDGE_ERROR and "judge bug" in crashed.message
    assert crashed.reward == 0.0 and search.tree.best().id == 2


def test_nonsignificant_speedup_is_never_the_answer(make_search):
    search = make_search(BestOfN(n=1, batch=1), ScriptedProposer([reply_for("SPEED=1.01")]))
    search.run()
    node = search.tree.by_id[1]
    assert node.correct and node.reward == pytest.approx(1.01)
    assert search.tree.best() is None  # the answer stays the baseline


def test_refine_keeps_only_correct_and_faster(make_search):
    replies = [reply_for("SPEED=2.0"), reply_for("WRONG"), reply_for("SPEED=1.5"), reply_for("SPEED=4.0")]
    proposer = ScriptedProposer(replies)
    search = make_search(Refine(steps=4), proposer)
    search.run()
    parents = [n.parent_id for n in search.tree.candidates()]
    # 2.0x is kept; the wrong one and the slower 1.5x are discarded; 4.0x improves on 2.0x.
    assert parents == [0, 1, 1, 1]
    assert Refine().current(search.tree).id == 4
    # The proposer saw the current program and its feedback from step 2 on.
    assert "current program (node 1" in proposer.requests[1][0].text


@pytest.mark.parametrize(
    "budget, check",
    [
        (Budget(max_evaluations=3, max_llm_calls=None, max_wall_s=None), lambda u: u.evaluations == 3),
        (Budget(max_llm_calls=2, max_evaluations=None, max_wall_s=None), lambda u: u.llm_calls == 2),
        # 110 tokens per request: the cap of 250 is reached by the third request, never passed by more.
        (Budget(max_tokens=250, max_llm_calls=None, max_evaluations=None, max_wall_s=None),
         lambda u: 250 <= u.tokens < 250 + 110),
        (Budget(max_dollars=0.0002, max_llm_calls=None, max_evaluations=None, max_wall_s=None,
                prices={"scripted": Price(input_per_mtok=1.0, output_per_mtok=1.0)}),
         lambda u: 0.0002 <= u.cost_usd < 0.0002 + 110e-6),
        (Budget(max_wall_s=0.0, max_llm_calls=None, max_evaluations=None), lambda u: u.llm_calls == 0),
    ],
    ids=["evaluations", "llm_calls", "tokens", "dollars", "wall_time"],
)
def test_each_budget_cap_stops_the_search_at_the_cap(make_search, budget, check):
    programs = [reply_for(f"SPEED={1 + i / 10:.1f}") for i in range(1, 30)]
    search = make_search(Refine(steps=None), ScriptedProposer(programs), budget=budget)
    reason = search.run()
    assert reason.startswith("budget"), reason
    assert check(search.meter.usage()), search.meter.usage()


def test_evaluation_cap_inside_a_batch_skips_nothing_it_proposed(make_search):
    budget = Budget(max_evaluations=3, max_llm_calls=None, max_wall_s=None)
    programs = [reply_for(f"SPEED={1 + i / 10:.1f}") for i in range(1, 30)]
    search = make_search(BestOfN(n=20, batch=4), ScriptedProposer(programs), budget=budget)
    search.run()
    # The second request asks for 3 - ... only as many candidates as evaluations are left.
    assert search.meter.usage().evaluations == 3
    assert len(search.tree.candidates()) == 3


def test_resume_after_a_cut_redoes_nothing_and_loses_nothing(make_search, tmp_path):
    run_dir = tmp_path / "run"
    programs = [reply_for(f"SPEED={1 + i / 10:.1f}") for i in range(1, 30)]
    judge = FakeJudge()
    first = make_search(BestOfN(n=8, batch=4), ScriptedProposer(programs), judge=judge, run_dir=run_dir)
    first.run()
    # Simulate a kill in the middle of step 2: drop its last two nodes, cut the last line.
    lines = (run_dir / "trajectory.jsonl").read_text().splitlines(keepends=True)
    by_id = sorted(lines, key=lambda line: json.loads(line)["id"])
    kept = by_id[:-2]
    (run_dir / "trajectory.jsonl").write_text("".join(kept) + by_id[-2][: len(by_id[-2]) // 2])
    judge2 = FakeJudge()
    second = make_search(BestOfN(n=8, batch=4), ScriptedProposer(programs), judge=judge2, run_dir=run_dir)
    assert second.meter.usage().evaluations == 6
    second.run()
    ids = [n.id for n in RunWriter(run_dir).resume()]
    raw_ids = [json.loads(line)["id"] for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]
    assert sorted(raw_ids) == list(range(9)) == ids
    assert len(judge2.calls) == 2  # only the two lost candidates were judged again
    assert [n.source for n in second.tree.candidates()] == [program(f"SPEED={1 + i / 10:.1f}") for i in range(1, 9)]


def test_observation_parts_switch_on_and_off(make_search, tmp_path):
    from maxcode.observation import ObservationConfig

    proposer = ScriptedProposer([reply_for("SPEED=2.0"), reply_for("WRONG"), reply_for("SPEED=3.0")])
    obs_cfg = ObservationConfig(history=True, y=True, history_full=1)
    make_search(Refine(steps=3), proposer, observation=obs_cfg).run()
    text = proposer.requests[2][0].text
    assert "earlier attempts" in text and "node 2" in text and "wrong answer" in text
    assert "best-discounted reward y): 2.00x" in text
    proposer2 = ScriptedProposer([reply_for("SPEED=2.0")])
    make_search(Refine(steps=2), proposer2, run_dir=tmp_path / "run2",
                observation=ObservationConfig(task=False, feedback=False)).run()
    text2 = proposer2.requests[1][0].text
    assert "slower version" not in text2 and "feedback from the judge" not in text2
    assert "current program (node 1" in text2


def test_copies_of_a_candidate_the_judge_crashed_on_are_recorded_too(make_search):
    boom = reply_for("BOOM")
    search = make_search(BestOfN(n=4, batch=2), ScriptedProposer([boom, boom, reply_for("SPEED=2.0")]))
    search.run()
    assert [n.id for n in search.tree.candidates()] == [1, 2, 3, 4]
    assert search.tree.by_id[2].duplicate_of == 1
    assert search.tree.by_id[2].status.value == "judge_error"
