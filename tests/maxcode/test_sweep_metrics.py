"""The sweep summary's metrics against values computed by hand on a fixture sweep."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest
from maxcode.records.sweep import FailedRun, RunCounts, SweepReader

from maxcode.report import sweep_metrics as metrics

TASKS = ["pie-mini/t1", "pie-mini/t2"]


def job(task: str, method: str, seed: int) -> SimpleNamespace:
    return SimpleNamespace(key=f"{task[-2:]}__{method}__{seed}", task=SimpleNamespace(id=task), name=method, seed=seed)


def row(correct: bool, speedup: float = 1.0, status: str = "finished") -> dict:
    return {"status": status, "correct": correct, "best_speedup": speedup, "error": "boom" if status == "failed" else ""}


# A: seed 0 -> t1 2.0x, t2 correct but nothing claimed (1.0); seed 1 -> t1 3.0x, t2 incorrect.
# B: seed 0 -> t1 1.5x, t2 run failed;                      seed 1 -> t1 1.5x, t2 1.2x.
FIXTURE = {
    ("pie-mini/t1", "A", 0): row(True, 2.0), ("pie-mini/t2", "A", 0): row(True, 1.0),
    ("pie-mini/t1", "A", 1): row(True, 3.0), ("pie-mini/t2", "A", 1): row(False),
    ("pie-mini/t1", "B", 0): row(True, 1.5), ("pie-mini/t2", "B", 0): row(False, status="failed"),
    ("pie-mini/t1", "B", 1): row(True, 1.5), ("pie-mini/t2", "B", 1): row(True, 1.2),
}


@pytest.fixture
def built(tmp_path):
    jobs = [job(t, m, s) for (t, m, s) in FIXTURE]
    rows = {j.key: FIXTURE[(j.task.id, j.name, j.seed)] for j in jobs}
    return metrics.build(tmp_path, rows, jobs, TASKS, "cpp", "sweep fixture", resamples=200)


# Hand computation (per seed over the two tasks, then the mean over the two seeds):
#   median max-speedup (incorrect = 1.0): A (1.5 + 2.0)/2 = 1.75;  B (1.25 + 1.35)/2 = 1.30
#   PIE mean clipped speedup:             A (1.5 + 2.0)/2 = 1.75;  B (1.25 + 1.35)/2 = 1.30
#   %Opt (>= 1.10):                       A (50 + 50)/2 = 50;      B (50 + 100)/2 = 75
#   %Correct:                             A (100 + 50)/2 = 75;     B (50 + 100)/2 = 75
#   average rank: seed 0 A wins both (A 1, B 2); seed 1 A wins t1, B wins t2 (1.5 each)
#                                         A (1 + 1.5)/2 = 1.25;    B (2 + 1.5)/2 = 1.75
EXPECTED = {
    "A": {"median_speedup": 1.75, "mean_clipped_speedup": 1.75, "percent_opt": 50.0,
          "percent_correct": 75.0, "average_rank": 1.25},
    "B": {"median_speedup": 1.30, "mean_clipped_speedup": 1.30, "percent_opt": 75.0,
          "percent_correct": 75.0, "average_rank": 1.75},
}


def test_metrics_match_the_hand_computation(built):
    assert built.runs == RunCounts(total=8, finished=7, failed=1, missing=0)
    assert set(built.metrics["A"]) == set(EXPECTED["A"])  # cpp suite: PIE's metrics, no fast_p
    for method, values in EXPECTED.items():
        for name, value in values.items():
            got = built.metrics[method][name]
            assert got.value == pytest.approx(value), (method, name)
            low, high = got.ci
            assert low <= value + 1e-9 and value - 1e-9 <= high, (method, name, got)
    # Resamples range from (t2, seed 1) twice (0% correct) to t1 only (100%).
    low, high = built.metrics["A"]["percent_correct"].ci
    assert 0.0 <= low < 75.0 < high <= 100.0
    # Ranks of two methods average 1.5 in every resample.
    assert built.metrics["A"]["average_rank"].ci[0] >= 1.0
    assert built.metrics["B"]["average_rank"].ci[1] <= 2.0
    assert built.failed_runs == [FailedRun(run_key="t2__B__0", error="boom")]


def test_per_task_table(built):
    t1, t2 = built.per_task["pie-mini/t1"], built.per_task["pie-mini/t2"]
    assert t1["A"].median_speedup == pytest.approx(2.5) and t1["A"].correct == 2
    assert t2["B"].failed == 1 and t2["B"].median_speedup == pytest.approx(1.2)
    assert t2["A"].correct == 1 and t2["A"].median_speedup == pytest.approx(1.0)
    text = metrics.render(built)
    assert "| pie-mini/t2 | 1x (1/2) | 1.2x (1/2), 1 failed |" in text


def test_kernel_suites_get_kernelbench_metrics(tmp_path):
    jobs = [job(t, m, s) for (t, m, s) in FIXTURE]
    rows = {j.key: FIXTURE[(j.task.id, j.name, j.seed)] for j in jobs}
    built = metrics.build(tmp_path, rows, jobs, TASKS, "kernel", "k", resamples=50)
    a = built.metrics["A"]
    # fast_1 (> 1.0): seed 0 t1 only = 0.5; seed 1 t1 only = 0.5. fast_2 (> 2.0): 0 and 0.5.
    assert a["fast_0"].value == pytest.approx(0.75)
    assert a["fast_1"].value == pytest.approx(0.5) and a["fast_2"].value == pytest.approx(0.25)
    # geometric mean over correct tasks: seed 0 sqrt(2 * 1) ; seed 1 3.0
    assert a["geomean_speedup"].value == pytest.approx((2 ** 0.5 + 3.0) / 2)
    assert "percent_opt" not in a
    # Nothing was timed against torch.compile: no figure, not a zero.
    assert a["fast_1_vs_compile"].value is None


def test_fast_1_against_torch_compile_when_runs_timed_it(tmp_path):
    # A beats eager on t1 in both seeds but torch.compile only in seed 1.
    fixture = {key: dict(value) for key, value in FIXTURE.items()}
    fixture[("pie-mini/t1", "A", 0)]["best_speedup_vs_compile"] = 0.8
    fixture[("pie-mini/t1", "A", 1)]["best_speedup_vs_compile"] = 1.3
    jobs = [job(t, m, s) for (t, m, s) in fixture]
    rows = {j.key: fixture[(j.task.id, j.name, j.seed)] for j in jobs}
    built = metrics.build(tmp_path, rows, jobs, TASKS, "kernel", "k", resamples=50)
    assert built.metrics["A"]["fast_1_vs_compile"].value == pytest.approx((0.0 + 0.5) / 2)
    assert built.metrics["B"]["fast_1_vs_compile"].value is None


def test_equal_budget_levels_and_best_so_far():
    # (evaluations, llm calls, dollars, best claimed speedup so far, judge seconds) after each node.
    curves = {"A": [[(1, 1, 0.0, 1.0, 5.0), (2, 1, 0.0, 2.0, 9.0)], [(1, 1, 0.0, 3.0, 4.0)]],
              "B": [[(1, 1, 0.0, 1.0, 2.0), (2, 2, 0.0, 1.5, 4.0), (3, 2, 0.0, 1.6, 30.0)]]}
    eb = metrics.equal_budget(curves)
    # Evaluations: A reached 2 at most, B 3 -> level 2. A's runs: 2.0 and 3.0; B: 1.5.
    assert eb.levels == {"evaluations": 2, "llm_calls": 1, "dollars": None, "judge_seconds": 9.0}
    # Nine judge seconds: A's runs 2.0 and 3.0; B's first two nodes (1.5).
    assert eb.methods["A"]["judge_seconds"].median == pytest.approx(2.5)
    assert eb.methods["B"]["judge_seconds"].median == pytest.approx(1.5)
    assert eb.methods["A"]["evaluations"].median == pytest.approx(2.5)
    assert eb.methods["B"]["evaluations"].median == pytest.approx(1.5)
    # One LLM call: all of A's nodes fit (2.0, 3.0); B only its first node (1.0).
    assert eb.methods["A"]["llm_calls"].median == pytest.approx(2.5)
    assert eb.methods["B"]["llm_calls"].median == pytest.approx(1.0)
    assert eb.methods["A"]["dollars"] is None


def test_paired_differences_against_the_first_method(built):
    eff = built.efficiency
    assert eff.reference == "A"
    # B - A per (task, seed): t1/0 1.5-2.0, t2/0 failed(0)-1.0, t1/1 1.5-3.0, t2/1 1.2-incorrect(0)
    paired = eff.paired_vs_reference["B"]
    assert paired.value == pytest.approx((-0.5 - 1.0 - 1.5 + 1.2) / 4)
    assert (paired.won, paired.tied, paired.lost) == (1, 0, 3) and paired.n == 4
    assert paired.ci[0] <= paired.value <= paired.ci[1]
    assert "A" not in eff.paired_vs_reference


def test_evaluations_to_95_percent_of_the_final_best():
    # (evaluations, llm calls, dollars, best so far) after each node
    curve = [(1, 1, 0, 1.0), (2, 2, 0, 1.9), (3, 3, 0, 1.9), (4, 4, 0, 2.0)]
    assert metrics.evaluations_to(curve) == 2  # 1.9 >= 0.95 * 2.0
    assert metrics.evaluations_to(curve, share=1.0) == 4
    assert metrics.evaluations_to([(1, 1, 0, 1.0), (2, 2, 0, 1.0)]) is None  # never claimed
    assert metrics.evaluations_to([]) is None


def test_cost_to_the_tasks_best_and_the_paired_saving():
    """The target is 95% of the best any method's run claimed on the task; a run that never
    reaches it counts all it spent; the saving is 1 - the geometric-mean ratio of paired costs."""
    # (evaluations, llm calls, dollars, best so far, judge seconds)
    curves = {
        "t1__A__0": [(1, 0, 0, 1.0, 10.0), (2, 0, 0, 2.0, 20.0), (3, 0, 0, 4.0, 30.0)],  # reaches 3.8 at 30 s
        "t1__B__0": [(1, 0, 0, 3.9, 5.0), (2, 0, 0, 3.9, 15.0)],                        # at 5 s
        "t2__A__0": [(1, 0, 0, 1.5, 8.0), (2, 0, 0, 1.5, 16.0)],                        # 0.95 * 1.5: at 8 s
        "t2__B__0": [(1, 0, 0, 1.0, 4.0), (2, 0, 0, 1.2, 32.0)],                        # never: all 32 s
    }
    jobs = [job(t, m, 0) for t in TASKS for m in "AB"]
    table = metrics.Table({j.key: row(True, curves[j.key][-1][3]) for j in jobs}, jobs, TASKS)
    to_best, savings = metrics.to_task_best(table, jobs, curves, "A", resamples=200)
    assert (to_best["A"].reached, to_best["A"].runs) == (2, 2) and (to_best["B"].reached, to_best["B"].runs) == (1, 2)
    assert to_best["A"].judge_seconds.value == pytest.approx((30 + 8) / 2)
    assert to_best["B"].judge_seconds.value == pytest.approx((5 + 32) / 2)
    assert to_best["B"].evaluations.value == pytest.approx((1 + 2) / 2)
    # B against A: log(5/30) and log(32/8), mean -> saving 1 - sqrt(5/30 * 32/8).
    saving = savings["B"].judge_seconds
    assert saving.value == pytest.approx(1 - (5 / 30 * 32 / 8) ** 0.5) and saving.n == 2
    assert saving.ci[0] <= saving.value <= saving.ci[1]
    assert "A" not in savings
    # The saving 80% power detects: 2.8 standard errors of the mean log ratio, read off the
    # interval (here two very different cells: only a saving of most of the cost is ruled out).
    low, high = 1 - saving.ci[1], 1 - saving.ci[0]  # back to geometric-mean ratios
    standard_error = (math.log(high) - math.log(low)) / (2 * 1.96)
    assert savings["B"].detectable_judge_seconds == pytest.approx(1 - math.exp(-2.8 * standard_error))
    assert 0.5 < savings["B"].detectable_judge_seconds < 1
    # A task where no run claimed a speedup has no target.
    flat = {k: [(1, 0, 0, 1.0, 3.0)] for k in curves}
    to_best, savings = metrics.to_task_best(table, jobs, flat, "A", resamples=50)
    assert to_best["A"].runs == 0 and savings["B"].judge_seconds.value is None


def test_a_recorded_runs_spend_curve_carries_each_judgements_seconds(tmp_path):
    """Read back as a sweep reads runs (light nodes): judge seconds of judged originals only."""
    from maxcode.records.evaluation import Evaluation, Status
    from maxcode.records.node import Node, NodeStatus
    from maxcode.records.run import RunWriter

    store = RunWriter(tmp_path / "run")
    store.open("seed: 0\n")
    store.append(Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE))
    for i, (seconds, duplicate) in enumerate([(2.5, None), (4.0, None), (4.0, 2)], start=1):
        ev = Evaluation(status=Status.OK, correct=True, speedup=1.5 + i, speedup_ci=(1.4 + i, 1.6 + i),
                        significant=True, details={"judge_s": seconds, "other": "dropped"})
        store.append(Node(id=i, parent_id=0, step=1, index=i, status=NodeStatus.OK, evaluation=ev,
                          evaluated=duplicate is None, duplicate_of=duplicate, elapsed_s=float(i)))
    curve = metrics.spend_curve(tmp_path / "run")
    assert [point[4] for point in curve] == [2.5, 6.5, 6.5]
    assert [point[3] for point in curve] == [2.5, 3.5, 3.5]


def test_a_partial_sweep_compares_methods_over_the_tasks_whose_runs_all_ended(tmp_path):
    """A task with a run still to come is left out of the comparison (not counted as a run that
    found nothing), shown in the per-task table, and named in the summary."""
    tasks = [*TASKS, "pie-mini/t3"]
    later = {("pie-mini/t3", "A", 0): row(True, 9.0), ("pie-mini/t3", "B", 0): row(True, 9.0),
             ("pie-mini/t3", "A", 1): row(True, 9.0), ("pie-mini/t3", "B", 1): row(True, 9.0)}
    jobs = [job(t, m, s) for (t, m, s) in {**FIXTURE, **later}]
    rows = {j.key: FIXTURE[(j.task.id, j.name, j.seed)] for j in jobs if (j.task.id, j.name, j.seed) in FIXTURE}
    rows["t3__A__0"] = later[("pie-mini/t3", "A", 0)]  # one of its four runs has ended
    partial = metrics.build(tmp_path, rows, jobs, tasks, "cpp", "partial", resamples=200)
    assert partial.compared_tasks == TASKS and partial.pending_tasks == ["pie-mini/t3"]
    for method, values in EXPECTED.items():  # the two ended tasks alone, as computed by hand
        for name, value in values.items():
            assert partial.metrics[method][name].value == pytest.approx(value), (method, name)
    assert partial.efficiency.paired_vs_reference["B"].n == 4
    assert partial.runs.missing == 3 and partial.per_task["pie-mini/t3"]["B"].missing == 2
    text = metrics.render(partial)
    assert "compared over the 2 tasks whose runs have all ended; 1 tasks still have runs to come" in text
    assert "| pie-mini/t3 | 9x (1/2), 1 not run | not run |" in text

    rows.update({f"t3__{m}__{s}": later[("pie-mini/t3", m, s)] for m in "AB" for s in (0, 1)})
    ended = metrics.build(tmp_path, rows, jobs, tasks, "cpp", "ended", resamples=200)
    assert ended.compared_tasks == tasks and ended.pending_tasks == []
    assert ended.metrics["A"]["median_speedup"].value > EXPECTED["A"]["median_speedup"]
    assert "Partial" not in metrics.render(ended)


def test_a_partial_mixed_sweep_with_only_cpp_tasks_ended_reports_pie_metrics(tmp_path):
    """The league so far: its C++ half has ended, its kernel half is to come; fast_p over
    C++ tasks would mean nothing."""
    tasks = ["pie-mini/t1", "kernelbench-cpu/k1"]
    jobs = [SimpleNamespace(key=f"{t[-2:]}__{m}", task=SimpleNamespace(id=t, family="cpp" if "pie" in t else "kernel"),
                            name=m, seed=0) for t in tasks for m in "AB"]
    rows = {"t1__A": row(True, 2.0), "t1__B": row(True, 1.5)}
    partial = metrics.build(tmp_path, rows, jobs, tasks, "mixed", "league so far", resamples=100)
    assert partial.family == "cpp" and "fast_1" not in partial.metrics["A"]
    assert partial.metrics["A"]["percent_opt"].value == 100.0
    rows.update({"k1__A": row(True, 1.2), "k1__B": row(False)})
    ended = metrics.build(tmp_path, rows, jobs, tasks, "mixed", "league", resamples=100)
    assert ended.family == "mixed" and "fast_1" in ended.metrics["A"]


def test_the_summary_reads_back_from_its_file_as_written_and_as_older_versions_wrote_it(built, tmp_path):
    metrics.write(tmp_path, built)
    assert SweepReader(tmp_path).sweep_summary() == built
    # Before partial sweeps and the efficiency table: every task compared, no efficiency.
    older = built.to_dict()
    for added in ("compared_tasks", "pending_tasks", "efficiency", "sweep_dir", "wall_s"):
        del older[added]
    (tmp_path / "summary.json").write_text(json.dumps(older))
    read = SweepReader(tmp_path).sweep_summary()
    assert read.compared == TASKS and read.efficiency.reference is None and read.metrics == built.metrics
    assert "Search efficiency" not in metrics.render(read)
