"""Experiment trackers end to end: real `maxcode optimize` / `maxcode sweep` runs (sandbox=local,
the library proposer), a real MLflow tracking server with a SQLite backend on 127.0.0.1 (and
MLflow's local SQLite store), real W&B offline files read back with W&B's own reader
(`wandb leet inspect --json`). Nothing stands in for a tracker.

The default selection syncs one finished run to both trackers (a few tens of seconds); the
server, sweep, SIGKILL and dead-server tests are `slow`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import interruptible
import pytest
import yaml

from maxcode.cli.main import main
from maxcode.config import CONF_DIR

REPO = Path(__file__).resolve().parents[2]
PROBLEM = REPO / "benchmarks" / "suites" / "pie_mini" / "pm01_range_sum"
TASK = [str(PROBLEM / "slow.cpp"), f"tests={PROBLEM / 'tests'}"]
# The search is not under test: a short one, judged for real.
FAST = ["sandbox=local", "proposer=library", "cpp_timing.max_seconds=1", "cpp_timing.interval_max_seconds=2",
        "loop.workers=1"]
TRACK_FAST = ["tracker.poll_s=0.2", "tracker.retry_s=1", "tracker.finish_timeout_s=60"]
MLFLOW = importlib.util.find_spec("mlflow") is not None
WANDB = importlib.util.find_spec("wandb") is not None
needs_mlflow = pytest.mark.skipif(not MLFLOW, reason="the tracking extra is not installed")
needs_wandb = pytest.mark.skipif(not WANDB, reason="the tracking extra is not installed")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("MAXCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is ./mlruns
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT"):
        monkeypatch.delenv(var, raising=False)


def trajectory(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


def tracked(directory: Path, kind: str) -> dict:
    """What tracking.json says of the directory's one run in a tracker of this kind."""
    trackers = json.loads((directory / "tracking.json").read_text())["trackers"]
    (state,) = [v for k, v in trackers.items() if k.startswith(kind + ":")]
    return state


def judged(run_dir: Path) -> int:
    return sum(n["evaluated"] for n in trajectory(run_dir))


# ------------------------------------------------------------------ Hydra's conventions


@pytest.mark.parametrize("command", ["optimize", "sweep", "eval"])
def test_help_lists_every_config_group_with_its_options_and_the_presets(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "--cfg {job}" in text
    lines = text[text.index("config groups"):].splitlines()
    for group in sorted(p for p in CONF_DIR.iterdir() if p.is_dir()):
        options = sorted(p.stem for p in group.glob("*.yaml"))
        # A group's line (with its continuation lines) names each of its options.
        start = next(i for i, line in enumerate(lines)
                     if line.strip().startswith((f"{group.name} ", f"{group.name}=")))
        block = " ".join(lines[start:start + 4])
        for option in options:
            assert option in block, (group.name, option)


def test_cfg_job_prints_the_run_config_and_runs_nothing(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["optimize", *TASK, "--cfg", "job", "tracker=mlflow", "strategy=refine", f"run_dir={run_dir}"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["strategy"]["_target_"].endswith("Refine")
    assert printed["tracker"]["adapter"]["_target_"].endswith("MlflowTracker")
    assert printed["run_dir"] == str(run_dir)
    assert not run_dir.exists()

    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", "suite=pie-mini", "suite.ids=[pm01_range_sum,pm04_reverse_words]", "seed=0,1",
                 "--cfg", "job", f"sweep_dir={sweep_dir}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 4 runs: 2 task(s) x 2 grid point(s)")
    assert "seed" in yaml.safe_load(out)
    assert not sweep_dir.exists()


# ------------------------------------------------------------------ sync (default selection)


@needs_mlflow
@needs_wandb
def test_a_finished_run_syncs_to_mlflow_and_wandb_once(tmp_path, monkeypatch):
    """`maxcode track sync` of a run made without a tracker: MLflow's local stores (SQLite,
    files) and W&B offline files get params, one point per judged evaluation, summary and artifacts; a
    second sync logs nothing twice."""
    from mlflow import MlflowClient

    run_dir = tmp_path / "run"
    assert main(["optimize", *tiny_task(tmp_path), *FAST, "proposer=rewrites", "budget.max_evaluations=2",
                 f"run_dir={run_dir}", "--quiet"]) == 0
    n = judged(run_dir)
    assert n == 2
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    for _ in range(2):
        assert main(["track", "sync", str(run_dir), "tracker=mlflow", f"tracker.adapter.tracking_uri={uri}"]) == 0
    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("maxcode").experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED" and run.info.run_name == "run"
    assert run.data.params["strategy._target_"] == "maxcode.search.best_of_n.BestOfN"
    assert run.data.params["proposer._target_"].endswith("RewritesProposer")
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "search/best_speedup")]
    assert steps == list(range(1, n + 1))
    assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {"report.html", "summary.json", "best.cpp"}

    # MLflow's local file store too (MLflow 3 asks for MLFLOW_ALLOW_FILE_STORE=true to write one).
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    store = f"file:{tmp_path / 'mlruns-file'}"
    assert main(["track", "sync", str(run_dir), "tracker=mlflow", f"tracker.adapter.tracking_uri={store}"]) == 0
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("maxcode").experiment_id])
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"
    assert len(client.get_metric_history(runs[0].info.run_id, "search/best_speedup")) == n

    wandb_dir = tmp_path / "wb"
    for _ in range(2):
        assert main(["track", "sync", str(run_dir), "tracker=wandb", "tracker.adapter.mode=offline",
                     f"tracker.adapter.dir={wandb_dir}"]) == 0
    run_id = tracked(run_dir, "wandb")["run_id"]
    logs = sorted((wandb_dir / "wandb").glob("offline-run-*"))
    assert logs and all(p.name.endswith(run_id) for p in logs)  # one W&B run, however many sessions
    records = [r for p in logs for r in wandb_read(p)]
    assert [r["history"]["step"]["num"] for r in records if r["type"] == "history"] == list(range(1, n + 1))
    assert wandb_config(records).get("strategy._target_") == "maxcode.search.best_of_n.BestOfN"
    files = {f["path"] for r in records if r["type"] == "files" for f in r["files"]["files"]}
    assert {"report.html", "summary.json", "best.cpp"} <= files


def tiny_task(tmp_path: Path) -> list[str]:
    """A C++ task that runs in milliseconds (the rewrites proposer improves any C++): a sync
    test needs a real run directory, not a long search."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "slow.cpp").write_text(
        "#include <iostream>\nusing namespace std;\nint main() {\n    long long n, s = 0, x;\n    cin >> n;\n"
        "    for (long long i = 0; i < n; i++) { cin >> x; s += x; }\n    cout << s << endl;\n    return 0;\n}\n")
    (tmp_path / "tests" / "input.0.txt").write_text(f"2000\n{' '.join(map(str, range(2000)))}\n")
    (tmp_path / "tests" / "output.0.txt").write_text(f"{sum(range(2000))}\n")
    return [str(tmp_path / "slow.cpp"), f"tests={tmp_path / 'tests'}"]


def wandb_config(records: list[dict]) -> dict:
    """The run's config: set at init (the `run` record), then updated (`config` records)."""
    config: dict = {}
    for r in records:
        if r["type"] in ("run", "config"):
            config.update((r[r["type"]].get("config", r[r["type"]]) or {}).get("update") or {})
    return config


def wandb_read(offline_run: Path) -> list[dict]:
    """Every record of an offline run's `.wandb` log, through W&B's own reader."""
    log = next(offline_run.glob("run-*.wandb"))
    wandb_cli = Path(sys.executable).with_name("wandb")
    out = subprocess.run([str(wandb_cli), "leet", "inspect", "--json", str(log)], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


# ------------------------------------------------------------------ a real MLflow server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def mlflow_server(root: Path, port: int | None = None):
    """`mlflow server` with a SQLite backend and proxied artifacts, on loopback only."""
    root.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    # No job runner (background workers for MLflow's GenAI jobs): a lighter, faster server.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with open(root / "server.log", "ab") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1", "--port", str(port),
             "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}", "--artifacts-destination",
             str(root / "artifacts"), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mlflow server did not start: "
                                       + (root / "server.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        yield url, proc
    finally:
        stop_server(proc)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the server and its uvicorn worker: a group we started
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not MLFLOW:
        pytest.skip("the tracking extra is not installed")
    with mlflow_server(tmp_path_factory.mktemp("mlflow")) as (url, _):
        yield url


def runs_of(url: str, experiment: str):
    from mlflow import MlflowClient

    client = MlflowClient(url)
    found = client.get_experiment_by_name(experiment)
    return client, (client.search_runs([found.experiment_id]) if found else [])


def maxcode_process(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return interruptible.popen([sys.executable, "-m", "maxcode.cli.main", *args], cwd=REPO,
                               env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_optimize_and_a_2x2_sweep_on_an_mlflow_server(server, tmp_path, monkeypatch):
    from mlflow.artifacts import download_artifacts

    monkeypatch.setenv("MLFLOW_TRACKING_URI", server)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "optimize")
    run_dir = tmp_path / "run"
    assert main(["optimize", *TASK, *FAST, "budget.max_evaluations=3", "tracker=mlflow", *TRACK_FAST,
                 f"run_dir={run_dir}", "--quiet"]) == 0
    client, runs = runs_of(server, "optimize")
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert run.data.params["budget.max_evaluations"] == "3"
    assert run.data.tags["override.proposer"] == "library"
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "search/best_speedup")]
    assert steps == list(range(1, judged(run_dir) + 1))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert run.data.metrics["summary/best_speedup"] == pytest.approx(summary["best_speedup"])
    got = Path(download_artifacts(run_id=run.info.run_id, artifact_path="summary.json", dst_path=str(tmp_path / "dl"),
                                  tracking_uri=server))
    assert json.loads(got.read_text())["best_speedup"] == summary["best_speedup"]

    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "sweep")
    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", "suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n,fsr", "seed=0,1",
                 *FAST, "budget.max_evaluations=1", "executor.workers=2", "tracker=mlflow", *TRACK_FAST,
                 f"sweep_dir={sweep_dir}", "--quiet"]) == 0
    assert_sweep_tracked(server, "sweep", sweep_dir, 4)


def assert_sweep_tracked(url: str, experiment: str, sweep_dir: Path, n_runs: int) -> None:
    """One parent run, a finished child per run directory with one point per judged
    evaluation, and the sweep's summary on the parent."""
    client, runs = runs_of(url, experiment)
    parents = [r for r in runs if r.data.tags.get("maxcode.kind") == "sweep"]
    children = [r for r in runs if r.data.tags.get("maxcode.kind") == "run"]
    assert len(parents) == 1 and len(children) == n_runs
    parent = parents[0]
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert {c.info.run_name for c in children} == {p.name for p in (sweep_dir / "runs").iterdir()}
    for child in children:
        history = client.get_metric_history(child.info.run_id, "search/best_speedup")
        assert [m.step for m in history] == list(range(1, judged(sweep_dir / "runs" / child.info.run_name) + 1))
        assert child.info.status == "FINISHED" and child.data.params["seed"] in ("0", "1")
        assert {a.path for a in client.list_artifacts(child.info.run_id)} >= {"report.html", "summary.json"}
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {"summary.json", "summary.md"}
    assert parent.info.status == "FINISHED" and parent.data.metrics["summary/runs.finished"] == n_runs


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the ray extra is not installed")
def test_a_ray_sweep_is_logged_from_the_driver(server, tmp_path, monkeypatch):
    """Ray's workers write into scratch directories and forward every record to the driver;
    the driver's follower logs the runs from its copies."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "ray")
    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", "suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n", "seed=0,1",
                 *FAST, "budget.max_evaluations=1", "executor=ray", "executor.local_cpus=2", "tracker=mlflow",
                 *TRACK_FAST, f"sweep_dir={sweep_dir}", "--quiet"]) == 0
    assert_sweep_tracked(server, "ray", sweep_dir, 2)


@pytest.mark.slow
def test_sigkill_then_resume_continues_one_tracked_run_without_repeating_a_step(server, tmp_path):
    run_dir = tmp_path / "run"
    args = ["optimize", *TASK, *FAST, "budget.max_evaluations=4", "tracker=mlflow", *TRACK_FAST,
            f"run_dir={run_dir}", "--quiet"]
    env = {"MLFLOW_TRACKING_URI": server, "MLFLOW_EXPERIMENT_NAME": "resume"}
    proc = maxcode_process(*args, env=env)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            client, runs = runs_of(server, "resume")
            if runs and client.get_metric_history(runs[0].info.run_id, "search/best_speedup"):
                break
            time.sleep(0.3)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    resumed = maxcode_process(*args, env=env)
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    client, runs = runs_of(server, "resume")
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"
    steps = [m.step for m in client.get_metric_history(runs[0].info.run_id, "search/best_speedup")]
    assert steps == list(range(1, judged(run_dir) + 1))
    assert (run_dir / "config.yaml").is_file() and judged(run_dir) == 4


@pytest.mark.slow
def test_the_mlflow_server_killed_mid_run_the_search_finishes_and_sync_catches_up(tmp_path):
    port = _free_port()
    run_dir = tmp_path / "run"
    args = ["optimize", *TASK, *FAST, "budget.max_evaluations=4", "tracker=mlflow", *TRACK_FAST,
            "tracker.finish_timeout_s=5", f"run_dir={run_dir}", "--quiet"]
    with mlflow_server(tmp_path / "mlflow", port) as (url, server_proc):
        env = {"MLFLOW_TRACKING_URI": url, "MLFLOW_EXPERIMENT_NAME": "gone"}
        proc = maxcode_process(*args, env=env)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            client, runs = runs_of(url, "gone")
            if runs and client.get_metric_history(runs[0].info.run_id, "search/best_speedup"):
                break
            time.sleep(0.3)
        stop_server(server_proc)
        killed_at = time.monotonic()
        _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert stderr.count("the tracker (MLflow") <= 2  # warned once, then told how to sync
    assert "maxcode track sync" in stderr
    assert json.loads((run_dir / "summary.json").read_text())["budget_used"]["evaluations"] == 4
    assert time.monotonic() - killed_at < 240
    # The run directory held everything: the same server back, one sync completes the run.
    with mlflow_server(tmp_path / "mlflow", port) as (url, _):
        assert main(["track", "sync", str(run_dir), f"tracker.adapter.tracking_uri={url}",
                     "tracker.adapter.experiment_name=gone"]) == 0
        client, runs = runs_of(url, "gone")
        assert len(runs) == 1 and runs[0].info.status == "FINISHED"
        steps = [m.step for m in client.get_metric_history(runs[0].info.run_id, "search/best_speedup")]
        assert steps == list(range(1, judged(run_dir) + 1))


# ------------------------------------------------------------------ W&B offline


@needs_wandb
@pytest.mark.slow
def test_wandb_offline_optimize_resume_and_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wb"))
    monkeypatch.setenv("WANDB_PROJECT", "maxcode-test")
    run_dir = tmp_path / "run"
    args = ["optimize", *TASK, *FAST, "tracker=wandb", *TRACK_FAST, f"run_dir={run_dir}", "--quiet"]
    proc = maxcode_process(*args, "budget.max_evaluations=4", env={})
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and judged_or_zero(run_dir) < 2:
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    resumed = maxcode_process(*args, "budget.max_evaluations=4", env={})
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    run_id = tracked(run_dir, "wandb")["run_id"]
    sessions = sorted((tmp_path / "wb" / "wandb").glob(f"offline-run-*-{run_id}"))
    assert len(sessions) == 2  # one W&B run id, two sessions for `wandb sync` to merge
    steps = [r["history"]["step"]["num"] for s in sessions for r in wandb_read(s) if r["type"] == "history"]
    assert sorted(steps) == list(range(1, judged(run_dir) + 1))  # none repeated, none lost
    # (A SIGKILLed W&B session may lose what it had not written out: the resume logs it again.)
    config = wandb_config([r for s in sessions for r in wandb_read(s)])
    assert config["strategy._target_"] == "maxcode.search.best_of_n.BestOfN"

    sweep_dir = tmp_path / "sweep"
    assert main(["sweep", "suite=pie-mini", "suite.ids=[pm01_range_sum]", "experiment=best_of_n,fsr", "seed=0,1",
                 *FAST, "budget.max_evaluations=1", "executor.workers=2", "tracker=wandb", *TRACK_FAST,
                 f"sweep_dir={sweep_dir}", "--quiet"]) == 0
    state = tracked(sweep_dir, "wandb")
    runs = {}
    for offline in (tmp_path / "wb" / "wandb").glob("offline-run-*"):
        records = wandb_read(offline)
        run = next((r["run"] for r in records if r["type"] == "run"), None)
        if run is not None:  # (not the killed session above)
            runs[run["run_id"]] = (run, records)
    parent, _ = runs[state["run_id"]]
    assert parent["job_type"] == "sweep" and parent["run_group"] == sweep_dir.name
    children = [(run, records) for run, records in runs.values()
                if run.get("run_group") == sweep_dir.name and run["job_type"] == "run"]
    assert len(children) == 4
    for run, records in children:
        assert wandb_config(records)["maxcode.parent_run_id"] == state["run_id"]
        steps = [r["history"]["step"]["num"] for r in records if r["type"] == "history"]
        assert steps == list(range(1, judged(sweep_dir / "runs" / run["display_name"]) + 1))


def judged_or_zero(run_dir: Path) -> int:
    try:
        return judged(run_dir)
    except (OSError, ValueError):
        return 0


def test_a_sweeps_summary_feeds_its_numbers_to_the_sweeps_tracked_run(tmp_path):
    """The parent run of a sweep logs the sweep's summary.json (its typed record's numbers),
    not a run's."""
    from maxcode.records.sweep import (
        Bootstrap,
        EqualBudget,
        Interval,
        RunCounts,
        SweepSummary,
        write_summary,
    )

    from maxcode.tracking import feed

    write_summary(tmp_path, SweepSummary(
        title="s", family="cpp", tasks=["t"], methods=["A"], seeds=[0], runs=RunCounts(total=2, finished=2),
        bootstrap=Bootstrap(resamples=10, rng_seed=0), metrics={"A": {"median_speedup": Interval(1.5, [1.2, 1.8])}},
        equal_budget=EqualBudget(), per_task={}, failed_runs=[]))
    numbers = feed.summary_numbers(tmp_path, "sweep")
    assert numbers["runs.finished"] == 2 and numbers["metrics.A.median_speedup.value"] == 1.5
    assert numbers["metrics.A.median_speedup.ci_low"] == 1.2
    assert feed.summary_numbers(tmp_path) == {}  # not a run's summary
