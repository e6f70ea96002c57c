"""`maxcode sweep` end to end: real judges (sandbox=local), the library proposer, a real local
process pool and a real local Ray instance; resume, SIGKILLed workers, bad input."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import interruptible
import pytest
import yaml

from maxcode.cli.main import main

TASKS = ["pm01_range_sum", "pm04_reverse_words", "pm11_max_subarray"]
# Small budgets and a short timing phase: the sweep machinery is under test, not the speedups.
FAST = ["proposer=library", "budget.max_evaluations=1", "sandbox=local", "cpp_timing.max_seconds=1",
        "cpp_timing.interval_max_seconds=2", "loop.workers=1"]
GRID = ["suite=pie-mini", f"suite.ids=[{','.join(TASKS)}]", "experiment=best_of_n,fsr", "seed=0,1", *FAST]


def sweep(*args: str) -> int:
    return main(["sweep", *args, "--quiet"])


def rows(sweep_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (sweep_dir / "results.jsonl").read_text().splitlines()]


def trajectory_lengths(sweep_dir: Path) -> dict[str, int]:
    return {d.name: len((d / "trajectory.jsonl").read_text().splitlines())
            for d in sorted((sweep_dir / "runs").iterdir())}


def assert_complete(sweep_dir: Path, n_runs: int) -> None:
    """Every run exactly once, finished, with the layout of `maxcode optimize`; no node twice."""
    got = rows(sweep_dir)
    keys = [r["run_key"] for r in got]
    assert len(keys) == n_runs and len(set(keys)) == n_runs, keys
    assert {r["status"] for r in got} == {"finished"}, [r["error"] for r in got]
    for r in got:
        for field in ("task_id", "name", "seed", "overrides", "status", "error", "best_speedup",
                      "best_speedup_ci", "budget_used", "run_dir"):
            assert field in r, field
        run_dir = Path(r["run_dir"])
        assert run_dir.parent == sweep_dir / "runs"
        for name in ("config.yaml", "trajectory.jsonl", "summary.json", "best.cpp", "report.md"):
            assert (run_dir / name).is_file(), (run_dir, name)
        nodes = [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]
        ids = [n["id"] for n in nodes]
        assert len(ids) == len(set(ids)), run_dir
        assert sum(n["evaluated"] for n in nodes) <= 1, run_dir
    from maxcode.records.sweep import RunCounts, SweepReader

    summary = SweepReader(sweep_dir).sweep_summary()
    assert summary.runs == RunCounts(total=n_runs, finished=n_runs, failed=0, missing=0)
    assert set(summary.methods) == {"best_of_n", "fsr"}
    assert (sweep_dir / "summary.md").read_text().startswith("# sweep")
    spec = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    assert [p["key"] for p in spec["plan"]] == spec["runs"] and sorted(spec["runs"]) == sorted(keys)
    # The report page draws from the directory alone, and shows the summary's own figures.
    from maxcode.report.load import load_sweep
    from maxcode.report.sweep_page import load

    page = load(load_sweep(sweep_dir)).summary
    assert page.metrics == summary.metrics and page.efficiency == summary.efficiency


# Slow (-m slow): CI's half-hour budget; the Ray sweep below checks the same rerun contract.
@pytest.mark.slow
def test_local_sweep_then_rerun_evaluates_nothing_new(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert sweep(*GRID, f"sweep_dir={out}", "executor=local") == 0
    assert_complete(out, 12)
    before, results = trajectory_lengths(out), (out / "results.jsonl").read_text()
    capsys.readouterr()
    assert main(["sweep", *GRID, f"sweep_dir={out}", "executor=local"]) == 0
    assert "12 already finished, 0 to run" in capsys.readouterr().err
    assert trajectory_lengths(out) == before and (out / "results.jsonl").read_text() == results


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the ray extra is not installed")
def test_ray_sweep_then_rerun_evaluates_nothing_new(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert sweep(*GRID, f"sweep_dir={out}", "executor=ray", "executor.local_cpus=2") == 0
    assert_complete(out, 12)
    before, results = trajectory_lengths(out), (out / "results.jsonl").read_text()
    # The same sweep resumed with the other executor: nothing is left to run.
    capsys.readouterr()
    assert main(["sweep", *GRID, f"sweep_dir={out}", "executor=local"]) == 0
    assert "12 already finished, 0 to run" in capsys.readouterr().err
    assert trajectory_lengths(out) == before and (out / "results.jsonl").read_text() == results


def _workers(driver: int) -> list:
    """The run workers of a local sweep: children of its forkserver."""
    import psutil

    found = []
    for child in psutil.Process(driver).children():
        if "forkserver" in " ".join(child.cmdline()):
            found += child.children()
    return found


@pytest.mark.skipif(importlib.util.find_spec("psutil") is None, reason="psutil is not installed")
def test_sigkilled_worker_the_sweep_completes_every_run_once(tmp_path):
    out = tmp_path / "sweep"
    args = ["suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n",
            "seed=0,1", *FAST, "budget.max_evaluations=2", f"sweep_dir={out}", "executor.workers=2"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    driver = interruptible.popen([sys.executable, "-m", "maxcode.cli.main", "sweep", *args, "--quiet"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed = None
        deadline = time.monotonic() + 600
        while killed is None and time.monotonic() < deadline and driver.poll() is None:
            # Kill a worker once its run has recorded a judged node and before it finishes.
            for run_dir in (out / "runs").glob("*") if (out / "runs").is_dir() else []:
                t = run_dir / "trajectory.jsonl"
                if t.is_file() and len(t.read_text().splitlines()) >= 2 and not (run_dir / "report.md").exists():
                    workers = _workers(driver.pid)
                    if workers:
                        killed = workers[0]
                        os.kill(killed.pid, signal.SIGKILL)
                        break
            time.sleep(0.2)
        assert killed is not None, "no worker was caught mid-run"
        stdout, stderr = driver.communicate(timeout=1800)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 0, stderr
    got = rows(out)
    assert len(got) == 2 and len({r["run_key"] for r in got}) == 2
    assert {r["status"] for r in got} == {"finished"}
    assert max(r["attempts"] for r in got) == 2
    for r in got:
        nodes = [json.loads(line) for line in (Path(r["run_dir"]) / "trajectory.jsonl").read_text().splitlines()]
        assert len({n["id"] for n in nodes}) == len(nodes)
        assert sum(n["evaluated"] for n in nodes) <= 2


def _ray_run_workers(driver: int) -> list:
    """Ray worker processes executing a run (Ray titles them `ray::<task name>`), among the
    descendants of this sweep's driver (its local Ray instance), never another sweep's."""
    import psutil

    found = []
    for proc in psutil.Process(driver).children(recursive=True):
        try:
            cmdline = " ".join(proc.cmdline())
        except psutil.Error:
            continue
        if cmdline.startswith("ray::maxcode-run"):
            found.append(proc)
    return found


# Slow (-m slow): CI's half-hour budget; the local sweep's SIGKILL test runs in CI.
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None or importlib.util.find_spec("psutil") is None,
                    reason="the ray extra is not installed")
def test_ray_sigkilled_worker_retry_resumes_from_the_driver_copy(tmp_path):
    """The run's Ray worker is killed after it recorded a node; Ray retries it, the retry
    starts from the records the driver holds (its scratch directory died with it)."""
    out = tmp_path / "sweep"
    args = ["suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n", "seed=0", *FAST,
            "budget.max_evaluations=2", f"sweep_dir={out}", "executor=ray", "executor.local_cpus=1"]
    driver = interruptible.popen([sys.executable, "-m", "maxcode.cli.main", "sweep", *args, "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed = None
        deadline = time.monotonic() + 600
        while killed is None and time.monotonic() < deadline and driver.poll() is None:
            for run_dir in (out / "runs").glob("*") if (out / "runs").is_dir() else []:
                t = run_dir / "trajectory.jsonl"
                if t.is_file() and len(t.read_text().splitlines()) >= 2 and not (run_dir / "report.md").exists():
                    workers = _ray_run_workers(driver.pid)
                    if workers:
                        killed = workers[0]
                        os.kill(killed.pid, signal.SIGKILL)
                        break
            time.sleep(0.2)
        assert killed is not None, "no Ray worker was caught mid-run"
        stdout, stderr = driver.communicate(timeout=1800)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 0, stderr
    (row,) = rows(out)
    assert row["status"] == "finished" and row["attempts"] == 2
    nodes = [json.loads(line) for line in (Path(row["run_dir"]) / "trajectory.jsonl").read_text().splitlines()]
    assert len({n["id"] for n in nodes}) == len(nodes) and nodes[0]["status"] == "baseline"
    assert sum(n["evaluated"] for n in nodes) <= 2


def test_ctrl_c_stops_cleanly_says_how_to_resume_and_the_resume_finishes(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", "suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n", "seed=0,1",
            *FAST, "budget.max_evaluations=2", f"sweep_dir={out}", "executor.workers=1", "--quiet"]
    driver = interruptible.popen([sys.executable, "-m", "maxcode.cli.main", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and driver.poll() is None:
            if any(len(t.read_text().splitlines()) >= 2 for t in out.glob("runs/*/trajectory.jsonl")):
                break
            time.sleep(0.2)
        driver.send_signal(signal.SIGINT)
        _, stderr = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 130, stderr
    assert "resume with: maxcode sweep" in stderr and "Traceback" not in stderr, stderr
    recorded = trajectory_lengths(out)
    assert main(args[:-1] + ["--quiet"]) == 0
    assert {r["status"] for r in rows(out)} == {"finished"} and len(rows(out)) == 2
    for key, n in recorded.items():  # what was recorded before Ctrl-C is kept, not redone
        lines = (out / "runs" / key / "trajectory.jsonl").read_text().splitlines()
        assert len(lines) >= n and len({json.loads(line)["id"] for line in lines}) == len(lines)


def test_a_grid_over_a_config_group_runs_in_dirs_named_after_it(tmp_path):
    """`proposer=library,rewrites` names its runs `...best_of_n-proposer=library-...`; the run
    directory reaches each run as a Hydra override, where a bare `=` does not parse (every
    run of such a sweep failed)."""
    out = tmp_path / "sweep"
    fast = [a for a in FAST if not a.startswith("proposer=")]
    assert sweep("suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n",
                 "proposer=library,rewrites", *fast, f"sweep_dir={out}") == 0
    got = rows(out)
    assert {r["status"] for r in got} == {"finished"}, [r["error"] for r in got]
    assert sorted(r["overrides"][0] for r in got) == ["proposer=library", "proposer=rewrites"]
    assert all("proposer=" in Path(r["run_dir"]).name for r in got)


def test_runs_of_a_sweep_share_its_verdict_memo(tmp_path):
    """`judge.memo=verdicts.jsonl` (relative: under the sweep directory): two runs that propose
    the same programs, side by side, judge each once; the other run gets that verdict."""
    out = tmp_path / "sweep"
    fast = [a for a in FAST if not a.startswith("budget.")]
    assert sweep("suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n", "loop.idle_steps=3,4",
                 "budget.max_evaluations=2", "judge.memo=verdicts.jsonl", *fast, f"sweep_dir={out}") == 0
    got = sorted(rows(out), key=lambda r: r["finished_at"])
    assert {r["status"] for r in got} == {"finished"}, [r["error"] for r in got]
    assert (out / "verdicts.jsonl").is_file()
    judged = [[json.loads(line)["evaluation"] for line in (Path(r["run_dir"]) / "trajectory.jsonl").read_text().splitlines()
               if json.loads(line)["evaluated"]] for r in got]
    assert len(judged[0]) == len(judged[1]) == 2
    for first, second in zip(*judged, strict=True):  # whichever run reached a program first judged it
        assert sorted([first["details"].get("memo") or "judged", second["details"].get("memo") or "judged"]) == [
            "hit", "judged"]
    assert [e["speedup"] for e in judged[0]] == [e["speedup"] for e in judged[1]]
    assert got[0]["budget_used"]["evaluations"] == got[1]["budget_used"]["evaluations"] == 2


# --- bad input: one line with the fix, exit 2, nothing written -------------------------------
@pytest.mark.parametrize("args, message", [
    (["suite=pie-mni"], "unknown suite 'pie-mni'; did you mean 'pie-mini'"),
    (["suite=pie-mini", "suite.ids=[pm01_range_summ]"], "pm01_range_sum"),
    (["suite=pie-mini", "suite.ids=[]"], "selects no task"),
    (["suite=pie-mini", "suite.ids=[pm01_range_sum]", "budget.max_evaluationz=1,2"],
     "grid key 'budget.max_evaluationz' is not in the config; did you mean 'budget.max_evaluations'"),
    (["suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n,fsr_maxcod"],
     "experiment=fsr_maxcod: no such option; did you mean 'fsr_maxcode'"),
    (["suite=pie-mini", "suite.ids=[pm01_range_sum]", "executor=rai"], "unknown executor 'rai'; did you mean 'ray'"),
    (["suite=pie-mini", "suite.ids=[pm01_range_sum]", "executor=ray", "executor.address=127.0.0.1:9"],
     "the Ray address 127.0.0.1:9 does not answer"),
    (["sweep=paper_pie_mni"], "no sweep preset 'paper_pie_mni'; did you mean 'paper_pie_mini'"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, args, message):
    out = tmp_path / "sweep"
    assert sweep(*args, f"sweep_dir={out}") == 2
    err = capsys.readouterr().err
    assert message in err and "fix:" in err and "Traceback" not in err, err
    assert not out.exists()


def test_a_sweep_dir_holding_another_sweep_is_refused_untouched(tmp_path, capsys):
    from maxcode.sweep.directory import SweepDir

    out = tmp_path / "sweep"
    SweepDir(out).create({"command": "maxcode sweep suite=pie-mini seed=0,1", "identity": {"suite": "pie-mini"}})
    (out / "results.jsonl").write_text("")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sweep("suite=pie-mini", "suite.ids=[pm01_range_sum]", "seed=0,1,2", f"sweep_dir={out}") == 2
    err = capsys.readouterr().err
    assert "holds a different sweep" in err and "maxcode sweep suite=pie-mini seed=0,1" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_optimize_multirun_is_a_sweep_of_one_task(tmp_path, capsys):
    problem = Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "pie_mini" / "pm01_range_sum"
    out = tmp_path / "grid"
    assert main(["optimize", str(problem / "slow.cpp"), "-m", f"tests={problem / 'tests'}", *FAST,
                 "strategy=best_of_n,refine", f"sweep_dir={out}", "--quiet"]) == 0
    got = rows(out)
    assert sorted(r["name"] for r in got) == ["best_of_n", "refine"]
    assert {r["status"] for r in got} == {"finished"}
    assert f"sweep dir: {out}" in capsys.readouterr().out


def test_every_preset_plans_and_starts_with_its_run_line():
    from maxcode.sweep import grid, plan

    presets = sorted(grid.PRESET_DIR.glob("*.yaml"))
    assert {p.stem for p in presets} >= {"paper_pie_mini", "paper_kernelbench_cpu", "ablations_pie_mini"}
    for path in presets:
        assert path.read_text().startswith(f"# run with: maxcode sweep sweep={path.stem}"), path
        tokens = [f"sweep={path.stem}", "proposer=library"]
        if path.stem.startswith("league"):  # every config composed is checked; 2 of its 30 tasks suffice
            tokens.append("suite.ids=[pie-mini/pm01_range_sum,kernelbench-cpu/level1/1_ReLU]")
        built = plan.build(grid.parse(tokens))
        methods = 2 if path.stem.startswith(("ablation_rtg", "rollouts", "league_space")) else \
            5 if path.stem in ("league", "ablation_ranker") else 4
        seeds = {0, 1} if path.stem.startswith(("rollouts", "league")) else {0, 1, 2}
        assert len({j.name for j in built.jobs}) == methods and {j.seed for j in built.jobs} == seeds
        assert len({j.key for j in built.jobs}) == len(built.jobs)
        if path.stem == "league":  # 5 strategies x 2 of the tasks (both families) x 2 seeds
            assert len(built.jobs) == 20 and built.family == "mixed" and built.jobs[0].name == "best_of_n"
        if path.stem == "league_space":  # the rewrites proposer is the reference; both judge 2 a round
            assert built.jobs[0].name == "rewrites" and built.family == "mixed"
            assert all(f"proposer={j.name}" in j.overrides and "loop.rank_keep=2" in j.overrides for j in built.jobs)
        if path.stem == "ablation_ranker":  # held-out tasks of both families; the proposer's order first
            assert len(built.tasks) == 6 and built.family == "mixed" and built.jobs[0].name == "proposer"
            assert all("loop.rank_keep=2" in j.overrides for j in built.jobs)  # every arm judges 2 of 4
            _assert_the_held_out_tasks_are_the_datasets_split({t.id for t in built.tasks})


def _assert_the_held_out_tasks_are_the_datasets_split(held_out: set[str]) -> None:
    """The ranker ablation searches the tasks `rtg dataset` holds out by default (its hashed
    split of the built-in problems), so a ranker trained with the defaults never saw them."""
    from maxcode.benchmarks.loaders.builtin import load_builtin_suite
    from maxcode.reward.dataset import DatasetConfig, split_tasks

    tasks = load_builtin_suite().tasks
    default = DatasetConfig(runs=[], out="x")
    test = split_tasks({t.problem for t in tasks}, default.test_fraction, default.seed)
    assert held_out == {t.id for t in tasks if t.problem in test}


def test_a_sweep_yaml_written_before_the_plan_was_stored_gains_it_on_resume(tmp_path):
    """Resuming a long sweep (the league) written by an older version: its sweep.yaml keeps
    what it held and gains the plan the report page reads."""
    from maxcode.sweep.directory import SweepDir

    old = {"command": "maxcode sweep sweep=league", "identity": {"suite": "builtin"}, "runs": ["a__m__0__x"]}
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(old))
    plan = [{"key": "a__m__0__x", "task": "pie-mini/a", "family": "cpp", "method": "m", "seed": 0}]
    SweepDir(tmp_path).create({"command": "maxcode sweep sweep=league sweep_dir=elsewhere",
                               "identity": {"suite": "builtin"}, "runs": ["a__m__0__x"], "plan": plan})
    assert yaml.safe_load((tmp_path / "sweep.yaml").read_text()) == {**old, "plan": plan}


def test_a_sweep_resumed_after_its_ranker_was_retrained_is_refused(tmp_path, capsys):
    """The ranker's model files are part of a sweep's identity, not only `ranker.path`: resumed
    after the model was retrained into the same directory, a sweep would keep runs the old
    model scored beside runs of the new one, two models in one arm. Files `rtg eval` writes
    beside the model do not count; a sweep without a ranker keeps the identity it had."""
    from maxcode.reward.dataset import VERSION, Bins
    from maxcode.reward.rewrite_mean import RewriteMeanScorer

    model = tmp_path / "model"
    model.mkdir()

    def train(mean: float) -> None:
        scorer = RewriteMeanScorer(Bins(), history=1)
        scorer.means, scorer.overall = {"fast_io": mean}, 1.0
        scorer.save(model, {"dataset_version": VERSION, "train_tasks": ["pie-mini/pm02_distinct_values"]})

    train(2.0)
    out = tmp_path / "sweep"
    args = ["suite=pie-mini", "suite.ids=[pm01_range_sum]", "ranker=rewrite_mean", f"ranker.path={model}",
            "loop.rank_keep=1", *FAST, f"sweep_dir={out}"]
    assert sweep(*args) == 0
    assert [r["status"] for r in rows(out)] == ["finished"]
    assert set(yaml.safe_load((out / "sweep.yaml").read_text())["identity"]["models"]) == {str(model)}

    (model / "eval.data.jsonl.json").write_text("{}")
    assert sweep(*args) == 0  # resumed: nothing to run
    assert len(rows(out)) == 1

    train(3.0)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sweep(*args) == 2
    err = capsys.readouterr().err
    assert "holds a different sweep (its models differ)" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before

    from maxcode.sweep import grid, plan

    assert plan.build(grid.parse(["suite=pie-mini", "suite.ids=[pm01_range_sum]"])).models == {}
