"""Starting trackers where the CLI needs them: beside one search, beside a sweep's driver,
and once over a finished directory (`maxcode track sync`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from maxcode.tracking.config import TrackingConfig, overrides_as_tags
from maxcode.tracking.runlog import RunLog, SweepLog


def configure(cfg: DictConfig) -> TrackingConfig:
    """The tracker of `cfg`; a ConfigError before anything runs when its client library is
    missing (the main job's install leaves the tracking extra out)."""
    import importlib.util

    from maxcode.config import make
    from maxcode.errors import ConfigError

    node = cfg.get("tracker")
    tracking = make(node, "tracker", convert="all") if node is not None else TrackingConfig()
    needs = getattr(tracking.adapter, "requires", None)
    if needs and importlib.util.find_spec(needs) is None:
        raise ConfigError(f"tracker={tracking.adapter.kind} needs the {needs} package, which is not installed",
                          "pip install 'maxcode[tracking]' (bash scripts/install.sh installs it)")
    return tracking


def follow_run(tracking: TrackingConfig, run_dir: Path, overrides: list[str]) -> Any:
    """A follower of `maxcode optimize`'s run directory, or None (tracker=none)."""
    if tracking.adapter is None:
        return None
    job = RunLog(tracking.adapter, run_dir, run_dir.name, tags=overrides_as_tags(overrides), reopen=True)
    return tracking.follow(job, run_dir)


def follow_sweep(tracking: TrackingConfig, sweep_dir: Path, jobs: list[Any], running: set[str],
                 tokens: list[str]) -> Any:
    """A follower of a sweep directory: the sweep's run and one child per job."""
    if tracking.adapter is None:
        return None
    runs = {j.key: {"task_id": j.task.id, **overrides_as_tags(j.overrides)} for j in jobs}
    job = SweepLog(tracking.adapter, sweep_dir, sweep_dir.name, runs, running, overrides_as_tags(tokens))
    return tracking.follow(job, sweep_dir)


def sync(tracking: TrackingConfig, directory: Path) -> str:
    """Logs everything a run or sweep directory holds that the tracker lacks; raises what the
    tracker raises. Returns the tracked run's id."""
    import yaml

    from maxcode.records.run import RunReader
    from maxcode.records.sweep import SweepReader

    assert tracking.adapter is not None
    sweep = SweepReader(directory)
    if sweep.spec.is_file():
        keys = (yaml.safe_load(sweep.spec.read_text()) or {}).get("runs") or []
        rows = sweep.rows()
        runs = {k: {"task_id": str(rows.get(k, {}).get("task_id", "")),
                    **overrides_as_tags(rows.get(k, {}).get("overrides") or [])} for k in keys}
        job: RunLog | SweepLog = SweepLog(tracking.adapter, directory, directory.name, runs, set())
        job.finish("finished")
        return job.parent.tracked.run_id or ""
    summary = RunReader(directory).run_summary()
    stop = summary.stop_reason if summary else ""
    status = "killed" if stop == "interrupted" else "failed" if stop.startswith("error") else "finished"
    job = RunLog(tracking.adapter, directory, directory.name)
    job.finish(status)
    return job.tracked.run_id or ""
