"""`maxcode sweep` (and `maxcode optimize PATH -m`) from tokens to summary.

Everything a user can get wrong is checked before anything is written: the suite and task
ids, each grid point's config, the executor (a Ray address must answer), and that the sweep
directory is new or holds this very sweep. Then the runs not finished yet run (unfinished
ones resume from their trajectories), rows go to results.jsonl as runs end, and the summary
is written, even after Ctrl-C.
"""

from __future__ import annotations

import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from hydra.errors import ConfigCompositionException
from rich.console import Console

from maxcode.benchmarks.suite import did_you_mean
from maxcode.config import CONF_DIR, load_config, make, resolved_yaml
from maxcode.errors import ConfigError
from maxcode.records.sweep import plan_entries
from maxcode.report import sweep_metrics, write_report
from maxcode.sweep import grid, plan
from maxcode.sweep.directory import SweepDir
from maxcode.sweep.live import SweepState
from maxcode.tracking import session

log = logging.getLogger(__name__)

EXIT_OK, EXIT_RUN_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def make_executor(tokens: list[str]) -> Any:
    """The executor of `executor=NAME executor.KEY=VALUE ...`; unknown names list the choices."""
    try:
        cfg = load_config(tokens)
    except ConfigCompositionException as exc:
        names = sorted(p.stem for p in (CONF_DIR / "executor").glob("*.yaml"))
        chosen = next((t.split("=", 1)[1] for t in tokens if t.split("=", 1)[0] == "executor"), "")
        if chosen and chosen not in names:
            raise ConfigError(f"unknown executor {chosen!r}{did_you_mean(chosen, names)}",
                              f"use executor={' or executor='.join(names)}") from None
        raise ConfigError(f"executor options {' '.join(tokens)}: {str(exc).splitlines()[0]}",
                          "see conf/executor/ for the options") from None
    return make(cfg.executor, "executor", convert="all")


def command_text(tokens: list[str], task_path: Path | None, sweep_dir: Path, given: bool) -> str:
    head = ["maxcode", "optimize", str(task_path), "-m"] if task_path else ["maxcode", "sweep"]
    tail = [] if given else [f"sweep_dir={sweep_dir}"]
    return " ".join(shlex.quote(t) for t in [*head, *tokens, *tail])


def run_sweep(tokens: list[str], quiet: bool = False, task_path: Path | None = None,
              print_cfg: bool = False) -> int:
    definition = grid.parse(tokens, task_path)
    if print_cfg:
        return print_job(definition)
    executor = make_executor(definition.executor)
    executor.check()
    tracking = session.configure(load_config(definition.tracker))
    the_plan = plan.build(definition)
    identity = {**definition.identity(), "tasks": [t.id for t in the_plan.tasks]}
    if the_plan.models:  # only when a ranker is read, so sweeps without one resume as before
        identity["models"] = the_plan.models
    if definition.sweep_dir:
        path = Path(definition.sweep_dir)
    else:
        stem = definition.suite or (task_path.stem if task_path else "sweep")
        path = Path(the_plan.base_config.paths.runs_dir) / "sweeps" / f"{stem}__{definition.fingerprint()}"
    sweep = SweepDir(path)
    command = command_text(tokens, task_path, path, bool(definition.sweep_dir))
    resuming = sweep.check(identity, command)
    done = sweep.rows()
    pending = [j for j in the_plan.jobs if done.get(j.key, {}).get("status") != "finished"]
    if pending:
        executor.connect()  # a Ray cluster that cannot be joined stops the sweep before it writes
    sweep.create({
        "command": command,
        "identity": identity,
        "grid": {"axes": definition.axes, "methods": definition.methods, "fixed": definition.base,
                 "preset": definition.preset},
        "runs": [j.key for j in the_plan.jobs],
        "plan": plan_entries(the_plan.jobs),
        "base_config": _yaml_data(the_plan.base_config),
    })
    console = None if quiet else Console(stderr=True)
    if console:
        console.print(f"sweep {path}: {len(the_plan.jobs)} runs, {len(the_plan.jobs) - len(pending)} already "
                      f"finished, {len(pending)} to run on {executor.name}"
                      + (" (resumed)" if resuming else ""))
    state = SweepState(the_plan.jobs, done, sweep.append, console)
    # The driver logs every run (Ray's workers share no filesystem): a parent run for the
    # sweep, a child per run, all read from the sweep directory as the runs fill it.
    tracker = session.follow_sweep(tracking, path, the_plan.jobs, {j.key for j in pending},
                                   [*definition.tracker, *definition.base])
    interrupted = False
    started = time.monotonic()
    try:
        with state:
            if pending:
                executor.run(pending, sweep, state)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        executor.close()
    rows = sweep.rows()
    title = f"sweep {definition.preset or definition.suite or Path(definition.task_path or '').name}"
    summary = sweep_metrics.build(path, rows, the_plan.jobs, [t.id for t in the_plan.tasks], the_plan.family, title)
    summary.sweep_dir = str(path)
    summary.wall_s = round(time.monotonic() - started, 3)
    sweep_metrics.write(path, summary)
    _write_report(path)
    if tracker is not None:
        tracker.stop("killed" if interrupted else "finished")
    failed = summary.runs.failed
    if interrupted:
        print(f"interrupted: {summary.runs.finished} of {summary.runs.total} runs finished; "
              f"resume with: {command}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if console:
        print(sweep_metrics.render(summary))
    print(f"sweep dir: {path}")
    print(f"summary: {path / 'summary.md'}")
    if failed:
        print(f"{failed} run(s) failed (see results.jsonl); re-run the same command to retry them",
              file=sys.stderr)
        return EXIT_RUN_FAILED
    return EXIT_OK


def print_job(definition: grid.SweepDefinition) -> int:
    """`--cfg job`: the runs the sweep would make and the config they start from; runs nothing."""
    the_plan = plan.build(definition)
    print(f"# {len(the_plan.jobs)} runs: {len(the_plan.tasks)} task(s) x {len(definition.points())} grid point(s)")
    for job in the_plan.jobs:
        print(f"#   {job.key}: {' '.join(job.overrides)}")
    print(resolved_yaml(the_plan.base_config), end="")
    return EXIT_OK


def _yaml_data(cfg: Any) -> Any:
    import yaml

    return yaml.safe_load(resolved_yaml(cfg))


def _write_report(path: Path) -> None:
    try:
        write_report(path)
    except Exception:  # the sweep's own results are written already; a report must not undo that
        log.warning("the sweep report could not be written", exc_info=True)
