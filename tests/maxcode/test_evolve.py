"""`strategy=evolve`: the program database (islands, migration, MAP-Elites grid), seeded
parent choice that a resume repeats, inspirations in the observation and as the rewrites
proposer's crossover, novelty rejection before judging, budgets, and real runs through the
CLI (a SIGKILL and resume; a pie-mini problem with the rewrites proposer)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from loop_fakes import TASK, FakeJudge, ScriptedProposer
from maxcode.benchmarks.task import Task
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash

from maxcode.budget import Budget
from maxcode.cli.main import main
from maxcode.observation import ObservationBuilder, ObservationConfig
from maxcode.proposers.rewrites import RewritesProposer, path_of
from maxcode.search.evolve import Evolve, Island
from maxcode.search_tree import SearchTree

REPO = Path(__file__).resolve().parents[2]
PIE = REPO / "benchmarks" / "suites" / "pie_mini"
COUNT_QUERIES = (PIE / "pm14_count_queries" / "slow.cpp").read_text()
ROOT = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=TASK.baseline_source,
            source_hash=source_hash(TASK.baseline_source))


def code(tag: str, value: int) -> str:
    """A fake program: the judge reads `tag` (SPEED=x, WRONG); `value` makes the code differ."""
    return f"// {tag}\nint main() {{ return {value}; }}\n"


def reply(tag: str, value: int) -> str:
    return f"```cpp\n{code(tag, value)}```\n"


def judged(node_id: int, step: int, speed: float | None, source: str | None = None, parent: int = 0,
           tags: dict | None = None, duplicate_of: int | None = None) -> Node:
    """A recorded node: correct with `speed`, or a wrong answer when speed is None."""
    source = source or code(f"SPEED={speed}", node_id)
    if speed is None:
        ev = Evaluation.failure(Status.WRONG_ANSWER, "differs")
    else:
        ev = Evaluation(status=Status.OK, correct=True, message="ok", speedup=speed,
                        speedup_ci=(speed * 0.95, speed * 1.05), significant=True)
    return Node(id=node_id, parent_id=parent, step=step, index=0, status=NodeStatus.from_evaluation(ev),
                source=source, source_hash=source_hash(source), evaluation=ev, reward=speed or 0.0,
                diagnosis=Diagnosis(text="d", tags=tags) if tags else None, duplicate_of=duplicate_of,
                evaluated=duplicate_of is None)


def ids(island: Island) -> list[int]:
    return [n.id for n in island.members]


# --- the database --------------------------------------------------------------------------
def test_islands_take_their_steps_programs_and_migrate_the_best_in_a_ring():
    strategy = Evolve(islands=2, migrate_every=3)
    tree = SearchTree([ROOT, judged(1, 1, 2.0), judged(2, 2, 3.0), judged(3, 2, None),
                       judged(4, 2, 3.0, source=code("SPEED=3.0", 2), duplicate_of=2), judged(5, 3, 1.2),
                       judged(6, 4, 1.1)])
    # Before the first migration: odd steps on island 0, even steps on island 1; the baseline
    # everywhere; wrong answers and duplicates join nowhere.
    assert [ids(i) for i in strategy.database(tree.before(3), 3, "cpp")] == [[0, 1], [0, 2]]
    # Step 4 begins with a migration: each island's best joins the next one (all chosen
    # before any moves, so node 2 does not come back round).
    after = strategy.database(tree.before(4), 4, "cpp")
    assert [ids(i) for i in after] == [[0, 1, 5, 2], [0, 2, 1]]
    assert after[0].best().id == 2 and after[1].best().id == 2
    # Node 6 (step 4, island 1) joins after that migration.
    assert [ids(i) for i in strategy.database(tree, 5, "cpp")] == [[0, 1, 5, 2], [0, 2, 1, 6]]
    # Without migration the islands never mix.
    alone = Evolve(islands=2, migrate_every=0).database(tree, 9, "cpp")
    assert [ids(i) for i in alone] == [[0, 1, 5], [0, 2, 6]]


def test_the_database_extended_step_by_step_equals_one_rebuilt_from_scratch(make_search):
    search = make_search(Evolve(islands=2, migrate_every=2, samples=2, generations=8), ScriptedProposer(SCRIPT))
    search.run()
    extended = Evolve(islands=2, migrate_every=2)
    for step in range(1, search.tree.last_step() + 2):
        tree = search.tree.before(step)
        rebuilt = Evolve(islands=2, migrate_every=2).database(SearchTree(tree.nodes), step, "cpp")
        got = extended.database(tree, step, "cpp")
        assert [(ids(i), {c: n.id for c, n in i.grid.items()}) for i in got] == \
               [(ids(i), {c: n.id for c, n in i.grid.items()}) for i in rebuilt]
    assert any(len(i.members) > 3 for i in got)


def test_grid_keeps_the_fastest_program_per_speedup_size_and_bottleneck_cell():
    strategy = Evolve(islands=1, speedup_bins=[1.05, 1.5, 2.0, 4.0], size_bins=[0.8, 1.25, 1.6])
    base = TASK.baseline_source
    longer = base.replace("return 0;", "int a = 1; int b = 2; int c = a + b; int d = c * 2; return d - 6;")
    nodes = [ROOT,
             judged(1, 1, 2.2, source=base.replace("slow", "A")),       # bin 3, same size, none
             judged(2, 1, 2.6, source=base.replace("slow", "B")),       # same cell, faster
             judged(3, 1, 2.9, source=base.replace("slow", "C"), tags={"bottleneck": "io"}),
             judged(4, 1, 1.2, source=base.replace("slow", "D")),       # bin 1
             judged(5, 1, 2.3, source=longer)]                          # a larger program
    island = strategy.database(SearchTree(nodes), 2, "cpp")[0]
    cells = {cell: node.id for cell, node in island.grid.items()}
    assert cells == {(0, 1, "none"): 0, (3, 1, "none"): 2, (3, 1, "io"): 3, (1, 1, "none"): 4,
                     (3, 3, "none"): 5}
    assert strategy.cell(nodes[5], ROOT, "cpp")[1] == 3  # 2x+ the baseline's tokens


def test_parent_choice_is_seeded_by_step_and_favours_the_fastest():
    strategy = Evolve(islands=1, alpha=2.0, explore=0.0)
    tree = SearchTree([ROOT, judged(1, 1, 1.2), judged(2, 1, 3.0), judged(3, 1, 1.6)])
    island = strategy.database(tree.before(2), 2, "cpp")[0]
    draws = [strategy.parent(island, random.Random(f"evolve:0:{step}")).id for step in range(400)]
    again = [strategy.parent(island, random.Random(f"evolve:0:{step}")).id for step in range(400)]
    assert draws == again
    counts = Counter(draws)
    assert counts[2] > counts[3] > counts[1] > 0 and counts[0] > 0  # rank 0 first, all reachable
    uniform = Counter(Evolve(islands=1, explore=1.0).parent(island, random.Random(s)).id for s in range(400))
    assert min(uniform.values()) > 60


# --- the loop ------------------------------------------------------------------------------
SCRIPT = [reply(t, v) for t, v in (("SPEED=1.2", 1), ("WRONG", 2), ("SPEED=2.0", 3), ("SPEED=0.8", 4),
                                   ("SPEED=3.0", 5), ("SPEED=1.6", 6), ("SPEED=2.5", 7), ("WRONG", 8),
                                   ("SPEED=1.1", 9), ("SPEED=4.0", 10), ("SPEED=0.9", 11), ("SPEED=1.4", 12))]
# The same programs as SPEED=2.0 (value 3) and SPEED=1.2 (value 1) up to comments and layout.
NEAR_COPIES = ["```cpp\n/* again */ int  main()  {\n  return 3;   // same\n}\n```\n",
               "```cpp\nint main() { return 1; } // copy\n```\n"]


def trajectory(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


def test_near_copies_are_recorded_not_novel_without_a_judge_call(make_search):
    judge = FakeJudge()
    script = SCRIPT[:4] + NEAR_COPIES + SCRIPT[4:]
    search = make_search(Evolve(islands=1, samples=3, generations=4), ScriptedProposer(script), judge=judge)
    search.run()
    rejected = [n for n in search.tree.candidates() if n.status is NodeStatus.NOT_NOVEL]
    assert len(rejected) == 2
    for node in rejected:
        assert node.source not in judge.calls and not node.evaluated and node.evaluation is None
        assert node.reward is None and "too similar to node" in node.message and "Jaccard 1.000" in node.message
        original = int(node.message.split("node ")[1].split(" ")[0])
        assert search.tree.by_id[original].correct
    assert search.tree.status_counts()["not_novel"] == 2
    assert search.meter.usage().evaluations == len(judge.calls) == sum(n.evaluated for n in search.tree)
    # The store holds them too (what summary.json, the report and the progress count).
    on_disk = Counter(n["status"] for n in trajectory(search.store.dir) if n["status"] != "baseline")
    assert on_disk["not_novel"] == 2 and on_disk == Counter(search.tree.status_counts())


def test_a_lower_novelty_threshold_also_rejects_small_edits(make_search):
    loop = "int main() { long s = 0; for (int i = 0; i < 100; ++i) { s += i * i; } return s > 0 ? 0 : 1; }"
    programs = [f"// SPEED=2.0\n{loop}\n", "// SPEED=1.5\n#include <cstdio>\nint main() { puts(\"hi\"); return 0; }\n",
                f"// SPEED=9.0\n{loop.replace('i * i;', 'i * i + 0;')}\n",  # the first, one small edit
                "// SPEED=3.0\nint main() { int v[8] = {}; return v[3]; }\n"]
    judge = FakeJudge()
    search = make_search(Evolve(islands=1, samples=2, generations=2, novelty=0.8, shingle=2),
                         ScriptedProposer([f"```cpp\n{p}```\n" for p in programs]), judge=judge)
    search.run()
    rejected = [n for n in search.tree.candidates() if n.status is NodeStatus.NOT_NOVEL]
    assert [n.source for n in rejected] == [programs[2]]
    assert "too similar to node 1" in rejected[0].message and "Jaccard 1.000" not in rejected[0].message
    assert programs[2] not in judge.calls and len(judge.calls) == 3


def test_novelty_off_judges_near_copies(make_search):
    judge = FakeJudge()
    search = make_search(Evolve(islands=1, samples=3, generations=4, novelty=None),
                         ScriptedProposer(SCRIPT[:4] + NEAR_COPIES + SCRIPT[4:]), judge=judge)
    search.run()
    assert "not_novel" not in search.tree.status_counts()
    assert all(n.evaluated or n.duplicate_of is not None for n in search.tree.candidates())


def test_an_equal_evaluation_budget_holds_with_rejections(make_search):
    budget = Budget(max_evaluations=8, max_llm_calls=None, max_wall_s=None)
    search = make_search(Evolve(islands=1, samples=3, generations=None),
                         ScriptedProposer(SCRIPT[:3] + NEAR_COPIES + SCRIPT[3:]), budget=budget)
    reason = search.run()
    assert "evaluations" in reason and search.meter.usage().evaluations == 8
    assert search.tree.status_counts().get("not_novel", 0) >= 1
    assert search.tree.best() is not None and search.tree.best().speedup >= 2.0


def test_inspirations_reach_the_prompt_and_are_other_elites(make_search):
    proposer = ScriptedProposer(SCRIPT)
    strategy = Evolve(islands=2, migrate_every=2, samples=2, generations=8, inspirations=2)
    search = make_search(strategy, proposer)
    search.run()
    inspired = [obs for obs, _ in proposer.requests if obs.inspirations]
    assert len(inspired) >= 4
    for obs in inspired:
        assert len(obs.inspirations) <= 2
        assert obs.parent.id not in {n.id for n in obs.inspirations}
        assert all(n.correct and n.parent_id is not None for n in obs.inspirations)
        assert "# other programs found in this search" in obs.text
        for n in obs.inspirations:
            assert f"- node {n.id}: correct, speedup {n.speedup:.2f}x" in obs.text and n.source.rstrip() in obs.text
    # The prompt (hence its hash and the LLM cache key) is a function of the inspirations.
    obs = inspired[-1]
    tree = search.tree.before(search.tree.last_step())
    builder = ObservationBuilder()

    def build(inspirations, config=None):
        return (ObservationBuilder(config) if config else builder).build(
            TASK, tree, obs.parent, draw_counts={}, serial=0, seed=0, inspirations=inspirations)

    assert build(obs.inspirations).prompt_hash == build(list(obs.inspirations)).prompt_hash
    assert build(obs.inspirations).prompt_hash != build(obs.inspirations[:1]).prompt_hash
    assert "other programs found" not in build(obs.inspirations, ObservationConfig(inspirations=False)).text
    assert build([]).prompt_hash == build(obs.inspirations, ObservationConfig(inspirations=False)).prompt_hash


def test_a_resume_makes_the_same_choices_and_redoes_nothing(make_search, tmp_path):
    def run(run_dir: Path, judge: FakeJudge):
        strategy = Evolve(islands=2, migrate_every=2, samples=2, generations=7)
        search = make_search(strategy, ScriptedProposer(SCRIPT + NEAR_COPIES), judge=judge, run_dir=run_dir)
        search.run()
        return search

    full = run(tmp_path / "full", FakeJudge())
    lines = (tmp_path / "full" / "trajectory.jsonl").read_text().splitlines()
    # Killed in the middle of step 4: the root, steps 1-3 and the first node of step 4 recorded.
    cut = next(i for i, line in enumerate(lines) if json.loads(line)["step"] == 4) + 1
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "trajectory.jsonl").write_text("\n".join(lines[:cut]) + "\n")
    judge = FakeJudge()
    resumed = run(tmp_path / "cut", judge)

    def shape(n: Node) -> tuple:
        return n.id, n.parent_id, n.step, n.status, n.source, n.message, n.proposer.prompt_hash

    assert [shape(n) for n in resumed.tree] == [shape(n) for n in full.tree]
    kept = {json.loads(line)["id"] for line in lines[:cut]}
    redone = [n for n in resumed.tree if n.id in kept and n.evaluated and n.source in judge.calls]
    assert not redone and len(judge.calls) == sum(n.evaluated for n in full.tree if n.id not in kept)


def test_crossover_puts_an_inspirations_rewrites_first():
    task = Task(id="t/x", family="cpp", language="cpp", baseline_source=COUNT_QUERIES)
    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=COUNT_QUERIES,
                source_hash=source_hash(COUNT_QUERIES))
    builder = ObservationBuilder()
    plain = RewritesProposer().propose(builder.build(task, SearchTree([root]), root, draw_counts={},
                                                     serial=0, seed=0), 20)
    last = plain[-1].meta["rewrites"][0]  # the rewrite this parent would try last
    elite = judged(7, 3, 1.5, source=COUNT_QUERIES + "\n// elsewhere\n")
    elite.proposer = ProposerInfo(meta={"rewrites": [last], "rewrites_path": [last]})
    obs = builder.build(task, SearchTree([root]), root, draw_counts={}, serial=0, seed=0, inspirations=[elite])
    replies = RewritesProposer().propose(obs, 2)
    assert replies[0].meta["rewrites"] == [last] and replies[0].meta["crossover_from"] == 7
    assert "crossover_from" not in replies[1].meta


def test_crossover_in_a_real_loop_applies_rewrites_found_on_inspirations(make_search):
    strategy = Evolve(islands=2, migrate_every=2, samples=2, generations=8)
    search = make_search(strategy, RewritesProposer())  # the fake judge: every program 1.0x
    search.task = Task(id="pie/count", family="cpp", language="cpp", baseline_source=COUNT_QUERIES)
    search.run()
    crossed = [n for n in search.tree.candidates() if "crossover_from" in n.proposer.meta]
    assert crossed
    for n in crossed:
        source = search.tree.by_id[n.proposer.meta["crossover_from"]]
        assert n.proposer.meta["rewrites"][0] in path_of(source)
        assert n.parent_id != source.id


# --- through the CLI -------------------------------------------------------------------------
PROBLEM = PIE / "pm14_count_queries"
TASK_ARGS = [str(PROBLEM / "slow.cpp"), f"tests={PROBLEM / 'tests'}", "sandbox=local",
             "cpp_timing.max_seconds=3", "cpp_timing.interval_max_seconds=6"]


@pytest.mark.slow
def test_sigkill_then_resume_keeps_every_node_exactly_once(tmp_path):
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "maxcode.cli.main", "optimize", *TASK_ARGS, "proposer=rewrites",
           "strategy=evolve", "strategy.samples=1", "strategy.generations=6", "strategy.islands=2",
           "strategy.migrate_every=2", f"run_dir={run_dir}", "--quiet"]
    env = {**os.environ, "MAXCODE_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = run_dir / "trajectory.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if lines.exists() and len(lines.read_text().splitlines()) >= 3:  # root + 2 nodes
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {n["id"]: n for n in trajectory(run_dir)}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = trajectory(run_dir)
    ids_after = [n["id"] for n in after]
    assert sorted(ids_after) == list(range(len(ids_after))) and len(set(ids_after)) == len(ids_after)
    assert max(n["step"] for n in after) == 6
    for node_id, node in before.items():  # nothing recorded before the kill was redone
        assert next(n for n in after if n["id"] == node_id) == node
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["strategy"] == "evolve"
    assert summary["budget_used"]["evaluations"] == sum(n["evaluated"] for n in after)
    assert sum(summary["counts"].values()) == summary["nodes"] == len(after) - 1


@pytest.mark.slow
def test_evolve_with_rewrites_on_a_pie_mini_problem(tmp_path):
    run_dir = tmp_path / "run"
    code_ = main(["optimize", *TASK_ARGS, "proposer=rewrites", "strategy=evolve",
                  "strategy.samples=2", "strategy.generations=6", "strategy.islands=2", "strategy.migrate_every=2",
                  "critique=rules", f"run_dir={run_dir}", "--quiet"])
    assert code_ == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    nodes = trajectory(run_dir)
    assert summary["strategy"] == "evolve" and sum(summary["counts"].values()) == summary["nodes"] == len(nodes) - 1
    assert summary["counts"].get("ok", 0) >= 4
    # Rewrites stacked on programs the search found, and crossover took place.
    assert any(n["parent_id"] not in (None, 0) for n in nodes)
    assert any("crossover_from" in n["proposer"]["meta"] for n in nodes)
    fastest = max((n for n in nodes if n["status"] == "ok"), key=lambda n: n["evaluation"]["speedup"])
    assert fastest["evaluation"]["speedup"] > 1.2
