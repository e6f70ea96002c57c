"""`maxcode optimize PATH [overrides...]`: search for a faster verified program.

PATH is a kernel task (`.py`, KernelBench format) or a cpp task (`.cpp`, with `tests=DIR`).
Everything else is a Hydra override: `strategy=best_of_n|refine|beam|tree` or
`experiment=NAME`, `proposer=openai|hf|vllm|library|replay` with `proposer.*` options,
`budget.*`, `run_dir=DIR` (an existing one is resumed), `seed=N`, `tracker=none|mlflow|wandb`.
`--cfg job` prints the config the run would use and runs nothing. This module only
composes the config, builds the parts, runs, and reports; the run directory is printed
whatever happens.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rich.console import Console

from maxcode.cli import conf_help
from maxcode.config import load_config
from maxcode.records.run import RunReader

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="task file: a KernelBench-style .py or a PIE-style .cpp")
    parser.add_argument("--tests", metavar="DIR",
                        help="test cases of a .cpp task (input.N.txt/output.N.txt); the same as tests=DIR")
    parser.add_argument("--quiet", action="store_true", help="no live display; print only the run dir")
    parser.add_argument("-m", "--multirun", action="store_true",
                        help="overrides with several values (key=a,b) form a grid: one run per point, "
                        "as `maxcode sweep` runs them (sweep_dir=DIR, executor=local|ray)")
    conf_help.add_cfg_argument(parser)


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    from maxcode.cli.progress import LiveProgress, summary_table
    from maxcode.tracking import session as tracking
    from maxcode.wiring import Wiring, load_task

    if args.tests:  # `maxcode eval` spells it --tests; a user who learnt it there gets it here too
        overrides = [*overrides, f"tests={args.tests}"]
    if args.multirun:
        from maxcode.sweep.driver import run_sweep

        return run_sweep(overrides, quiet=args.quiet, task_path=Path(args.path), print_cfg=bool(args.cfg))
    if args.cfg:
        return conf_help.print_job(overrides)
    cfg = load_config(overrides)
    tracking_cfg = tracking.configure(cfg)  # a tracker that cannot work is said before anything runs
    task = load_task(Path(args.path), cfg.get("tests"))
    wired = Wiring(cfg)
    run_dir = wired.run_dir(task)
    console = Console(stderr=True, quiet=args.quiet)
    caps = wired.parts.budget.caps()
    result = None
    # The tracker follows the run directory from a thread of its own; it never steers the search.
    tracker = tracking.follow_run(tracking_cfg, run_dir, overrides)
    status = "failed"
    try:
        with LiveProgress(console, caps) as live:
            result = wired.optimize(task, run_dir, on_progress=None if args.quiet else live)
        status = "finished"
    except KeyboardInterrupt:
        status = "killed"
        raise
    finally:
        # The one failure wrapper: whatever happened, release the sandbox and say where the run is.
        wired.close()
        if tracker is not None:
            tracker.stop(status)
        if result is not None:
            console.print(summary_table(result.summary))
        elif RunReader(run_dir).run_summary() is not None:
            console.print("[yellow]search stopped early; results so far are saved[/yellow]")
        out = sys.stdout if result is not None else sys.stderr
        print(f"run dir: {run_dir}", file=out)
        if (run_dir / "report.html").exists():
            print(f"report: {run_dir / 'report.html'}", file=out)
    return 0
