"""A sweep's own overhead per run (local and Ray) against the same `maxcode optimize` commands run one after another.

The same small runs (pie-mini problems, the library proposer, one or two evaluations, a short
timing phase) are done three ways, each one run at a time so the times compare:

- `sequential`: `maxcode optimize PATH ... --quiet` as separate commands, one after another;
- `local`: one `maxcode sweep` with executor=local and executor.workers=1;
- `ray`: one `maxcode sweep` with executor=ray on a local instance with one CPU.

A run's own work is its search loop's wall time (`budget_used.wall_s` in its summary.json);
overhead per run = (wall time of the whole mode - the runs' own work) / runs: process start,
imports, config composition, judge set-up, for the sweeps also planning, results and summary
(and Ray's start-up and record streaming). Runs per hour: runs / wall time of the mode, and
for `local (parallel)` a sweep with as many workers as cores (skipped with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

from maxcode.records.run import RunReader

REPO = Path(__file__).resolve().parents[2]
PIE = REPO / "benchmarks" / "suites" / "pie_mini"
TASKS = ["pm01_range_sum", "pm04_reverse_words"]


def _settings(cfg: DictConfig) -> list[str]:
    return ["proposer=library", "experiment=best_of_n", "budget.max_evaluations=1",
            f"sandbox={cfg.sandbox.kind}", "cpp_timing.max_seconds=1", "cpp_timing.interval_max_seconds=2",
            "loop.workers=1"]


def _work_s(run_dirs: list[Path]) -> float:
    return sum(RunReader(d).run_summary().spent().wall_s for d in run_dirs)


def _maxcode(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "maxcode.cli.main", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def sequential(tmp: Path, settings: list[str], seeds: list[int]) -> dict:
    wall, dirs = 0.0, []
    for task in TASKS:
        for seed in seeds:
            run_dir = tmp / "seq" / f"{task}__{seed}"
            wall += _maxcode("optimize", str(PIE / task / "slow.cpp"), f"tests={PIE / task / 'tests'}",
                             *settings, f"seed={seed}", f"run_dir={run_dir}", "--quiet")
            dirs.append(run_dir)
    return _figures("sequential", wall, dirs)


def swept(tmp: Path, settings: list[str], seeds: list[int], label: str, executor: list[str]) -> dict:
    out = tmp / label.replace(" ", "_").strip("()")
    wall = _maxcode("sweep", "suite=pie-mini", f"suite.ids=[{','.join(TASKS)}]", *settings,
                    f"seed={','.join(map(str, seeds))}" if len(seeds) > 1 else f"seed={seeds[0]}",
                    f"sweep_dir={out}", *executor, "--quiet")
    return _figures(label, wall, sorted((out / "runs").iterdir()))


def _figures(label: str, wall: float, dirs: list[Path]) -> dict:
    work = _work_s(dirs)
    return {"mode": label, "runs": len(dirs), "wall_s": wall, "work_s": work,
            "overhead_per_run_s": (wall - work) / len(dirs), "runs_per_hour": 3600 * len(dirs) / wall}


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    seeds = [0] if args.quick else [0, 1]
    settings = _settings(cfg)
    rows = []
    with tempfile.TemporaryDirectory(prefix="maxcode-bench-sweep-") as tmp_name:
        tmp = Path(tmp_name)
        rows.append(sequential(tmp, settings, seeds))
        rows.append(swept(tmp, settings, seeds, "local", ["executor=local", "executor.workers=1"]))
        try:
            import ray  # noqa: F401

            rows.append(swept(tmp, settings, seeds, "ray", ["executor=ray", "executor.local_cpus=1"]))
        except ImportError:
            rows.append({"mode": "ray", "skipped": "ray is not installed (pip install -e '.[ray]')"})
        if not args.quick:
            rows.append(swept(tmp, settings, seeds, "local (parallel)",
                              ["executor=local", f"executor.workers={os.cpu_count() or 1}"]))
    table = Table(title=f"maxcode bench sweep ({os.cpu_count()} cores; runs of one evaluation)")
    for column in ("mode", "runs", "wall s", "runs' own work s", "overhead per run s", "runs per hour"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for r in rows:
        if "skipped" in r:
            table.add_row(r["mode"], "-", "-", "-", r["skipped"], "-")
            continue
        table.add_row(r["mode"], str(r["runs"]), f"{r['wall_s']:.1f}", f"{r['work_s']:.1f}",
                      f"{r['overhead_per_run_s']:.2f}", f"{r['runs_per_hour']:.0f}")
    Console().print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "sweep", "cores": os.cpu_count(), "rows": rows}, indent=2))
    return 0
