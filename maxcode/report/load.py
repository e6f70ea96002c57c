"""Reading run and sweep directories for a report: read-only and tolerant.

Through `maxcode.records.run.RunReader`, which never changes what it reads (a resuming `RunWriter`
cuts a cut line off so it can append): a line cut by a crash, a summary that was never
written or a run that failed are counted and shown, never fatal.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxcode.errors import UserError
from maxcode.records.node import Node
from maxcode.records.run import SUMMARY, TRAJECTORY, RunReader
from maxcode.records.summary import RunSummary
from maxcode.records.sweep import RESULTS, RUNS, SPEC, SweepResults
from maxcode.search_tree import SearchTree

log = logging.getLogger(__name__)


@dataclass
class RunData:
    """What a run directory holds, as far as it could be read."""

    dir: Path
    tree: SearchTree
    summary: RunSummary | None
    """summary.json, or None when it is missing or unreadable."""
    ext: str
    """Extension of the programs (`cpp`, `py`, `cu`)."""
    problems: list[str] = field(default_factory=list)
    """What could not be read, one line each (shown at the top of the report)."""

    @property
    def task_id(self) -> str:
        return (self.summary.task_id if self.summary else "") or self.dir.name.split("__")[0]

    @property
    def method(self) -> str:
        return (self.summary.strategy if self.summary else "") or _dir_part(self.dir, 1) or "run"


@dataclass
class SweepData:
    """What a sweep directory holds: one row per run (results.jsonl) and the grid."""

    dir: Path
    rows: list[dict[str, Any]]
    sweep_yaml: str
    problems: list[str] = field(default_factory=list)


def kind(directory: Path) -> str:
    """`run` or `sweep`; a UserError naming what is missing otherwise."""
    if not directory.exists():
        raise UserError(f"{directory} does not exist", "give a run directory or a sweep directory")
    if not directory.is_dir():
        raise UserError(f"{directory} is not a directory",
                        "give a run directory (with trajectory.jsonl) or a sweep directory (with results.jsonl)")
    if (directory / RESULTS).is_file() or (directory / SPEC).is_file():
        return "sweep"
    if (directory / TRAJECTORY).is_file() or (directory / SUMMARY).is_file():
        return "run"
    raise UserError(f"{directory} is neither a run directory (no {TRAJECTORY}) nor a sweep directory "
                    f"(no {RESULTS} or {SPEC})",
                    "give the directory `maxcode optimize` or `maxcode sweep` printed")


def load_run(directory: Path, light: bool = False) -> RunData:
    """`light`: nodes without programs, replies, logs or diagnoses (see `RunReader.nodes`)."""
    reader = RunReader(directory)
    ordered = reader.nodes(light=light)
    problems = list(reader.problems)
    by_id = {n.id for n in ordered}
    orphans = [n for n in ordered if n.parent_id is not None and n.parent_id not in by_id]
    if orphans:
        problems.append(f"{len(orphans)} node(s) whose parent is missing from the trajectory are drawn under the root")
        for n in orphans:
            n.parent_id = ordered[0].id if ordered and ordered[0].id != n.id else None
    summary = reader.run_summary()
    if summary is None:
        problems.append(f"no readable {SUMMARY} (the run may still be going, or crashed before its first step)")
    return RunData(dir=directory, tree=SearchTree(ordered), summary=summary,
                   ext=_extension(directory, summary, ordered), problems=problems)


def load_sweep(directory: Path) -> SweepData:
    problems: list[str] = []
    results = SweepResults(directory)
    rows = results.rows()
    if results.lines.cut:
        problems.append(f"the last line of {RESULTS} was cut (by a kill?) and not read")
    if not rows:
        rows = _rows_from_run_dirs(directory)
        if rows:
            problems.append(f"no readable {RESULTS}: runs were read from {directory / RUNS} instead")
    # The last row of a (task, method, seed) wins: a resumed sweep appends a run's new result.
    latest = {(str(row.get("task_id", "?")), str(row.get("name", "?")), str(row.get("seed", "?"))): row
              for row in rows}
    try:
        sweep_yaml = (directory / SPEC).read_text()
    except (OSError, UnicodeDecodeError):
        sweep_yaml = ""
    return SweepData(dir=directory, rows=list(latest.values()), sweep_yaml=sweep_yaml, problems=problems)


def run_dir_of(sweep: Path, row: dict[str, Any]) -> Path | None:
    """Where a results row's run directory is (absolute, relative to the sweep, or under runs/)."""
    value = row.get("run_dir")
    if not value:
        return None
    path = Path(str(value))
    for candidate in (path, sweep / path, sweep / RUNS / path.name):
        if candidate.is_dir():
            return candidate
    return None


def _rows_from_run_dirs(directory: Path) -> list[dict[str, Any]]:
    rows = []
    runs = directory / RUNS
    for run in sorted(runs.glob("*")) if runs.is_dir() else []:
        s = RunReader(run).run_summary()
        if s is None:
            continue
        rows.append({"task_id": s.task_id, "name": s.strategy or _dir_part(run, 1), "seed": _dir_part(run, 2),
                     "overrides": [], "status": "failed" if s.error else "finished", "error": s.error,
                     "best_speedup": s.best_speedup, "best_speedup_ci": s.best_speedup_ci,
                     "budget_used": s.budget_used, "run_dir": str(run)})
    return rows


def _dir_part(directory: Path, index: int) -> str:
    parts = directory.name.split("__")
    return parts[index] if len(parts) > index else ""


def _extension(directory: Path, summary: RunSummary | None, nodes: list[Node]) -> str:
    if summary is not None and summary.best_source:
        return Path(summary.best_source).suffix.lstrip(".") or "cpp"
    for path in directory.glob("best.*"):
        return path.suffix.lstrip(".")
    root = nodes[0].source if nodes and nodes[0].source else ""
    return "py" if re.search(r"^\s*(import|from)\s+torch", root, re.M) else "cpp"
