"""Reading run and sweep directories for a report: read-only and tolerant.

Unlike `RunStore.load` (which truncates a cut line so a resume can append), a report never
changes what it reads: a line cut by a crash, a summary that was never written or a run
that failed are counted and shown, never fatal.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from maxcode.errors import UserError
from maxcode.node import Node, NodeStatus, ProposerInfo
from maxcode.tree import SearchTree
from sandbox.evaluation import Evaluation, Status

log = logging.getLogger(__name__)

RUN_MARKER = "trajectory.jsonl"
SWEEP_MARKER = "results.jsonl"


@dataclass
class RunData:
    """What a run directory holds, as far as it could be read."""

    dir: Path
    tree: SearchTree
    summary: dict[str, Any]
    """summary.json, or {} when it is missing or unreadable."""
    ext: str
    """Extension of the programs (`cpp`, `py`, `cu`)."""
    problems: list[str] = field(default_factory=list)
    """What could not be read, one line each (shown at the top of the report)."""

    @property
    def task_id(self) -> str:
        return str(self.summary.get("task_id") or self.dir.name.split("__")[0])

    @property
    def method(self) -> str:
        return str(self.summary.get("strategy") or _dir_part(self.dir, 1) or "run")


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
    if (directory / SWEEP_MARKER).is_file() or (directory / "sweep.yaml").is_file():
        return "sweep"
    if (directory / RUN_MARKER).is_file() or (directory / "summary.json").is_file():
        return "run"
    raise UserError(f"{directory} is neither a run directory (no {RUN_MARKER}) nor a sweep directory "
                    f"(no {SWEEP_MARKER} or sweep.yaml)",
                    "give the directory `maxcode optimize` or `maxcode sweep` printed")


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The whole JSON object lines of `path` and how many lines could not be read."""
    rows, bad = [], 0
    try:
        raw = path.read_bytes()
    except OSError:
        return [], 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            bad += 1
            continue
        if isinstance(value, dict):
            rows.append(value)
        else:
            bad += 1
    return rows, bad


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def load_run(directory: Path, light: bool = False) -> RunData:
    """`light`: nodes without programs, replies, logs or diagnoses (what a sweep's page
    needs from each of its runs: the curves and the statuses), read ~10x faster."""
    problems: list[str] = []
    rows, bad = read_jsonl(directory / RUN_MARKER)
    if bad:
        problems.append(f"{bad} unreadable line(s) in {RUN_MARKER} were skipped (cut off by a crash or a kill?)")
    nodes: dict[int, Node] = {}
    undecodable = 0
    for row in rows:
        try:
            node = sketch(row) if light else decode(Node, row)
        except Exception:  # any malformed record: counted and shown, never fatal
            undecodable += 1
            continue
        nodes.setdefault(node.id, node)
    if undecodable:
        problems.append(f"{undecodable} line(s) of {RUN_MARKER} are not nodes of this MaxCode version; skipped")
    if not (directory / RUN_MARKER).is_file():
        problems.append(f"no {RUN_MARKER}: no node was recorded")
    ordered = sorted(nodes.values(), key=lambda n: n.id)
    orphans = [n for n in ordered if n.parent_id is not None and n.parent_id not in nodes]
    if orphans:
        problems.append(f"{len(orphans)} node(s) whose parent is missing from the trajectory are drawn under the root")
        for n in orphans:
            n.parent_id = ordered[0].id if ordered and ordered[0].id != n.id else None
    summary = read_json(directory / "summary.json")
    if summary is None:
        problems.append("no readable summary.json (the run may still be going, or crashed before its first step)")
    return RunData(dir=directory, tree=SearchTree(ordered), summary=summary or {},
                   ext=_extension(directory, summary or {}, ordered), problems=problems)


def sketch(row: dict[str, Any]) -> Node:
    """A node with only its place in the tree, its verdict's numbers and its spending."""
    ev, proposer = row.get("evaluation"), row.get("proposer") or {}
    ci = ev.get("speedup_ci") if ev else None
    evaluation = None if ev is None else Evaluation(
        status=Status(ev["status"]), correct=bool(ev["correct"]), speedup=ev.get("speedup"),
        speedup_ci=(float(ci[0]), float(ci[1])) if ci else None, significant=bool(ev.get("significant")))
    return Node(id=int(row["id"]), parent_id=row.get("parent_id"), step=int(row.get("step", 0)),
                index=int(row.get("index", 0)), status=NodeStatus(row["status"]),
                proposer=ProposerInfo(calls=int(proposer.get("calls", 0)), cost_usd=float(proposer.get("cost_usd", 0.0))),
                evaluation=evaluation, critic_usage=dict(row.get("critic_usage") or {}),
                duplicate_of=row.get("duplicate_of"), evaluated=bool(row.get("evaluated")),
                elapsed_s=float(row.get("elapsed_s", 0.0)))


@cache
def _hints(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    return typing.get_type_hints(cls), frozenset(f.name for f in dataclasses.fields(cls))


def decode(tp: Any, value: Any) -> Any:
    """`sandbox.jsonable.from_dict` with each record type's hints resolved once.

    Rationale: from_dict resolves the type hints of every record it builds (~0.6 ms each,
    four per node): 2.4 of the 3 s a 1,000-node page took to read, and most of a 100-run
    sweep's. Same rules (unknown fields are an error); drop this once jsonable memoizes.
    """
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return decode(args[0], value) if len(args) == 1 else value
    if origin in (list, tuple):
        args = typing.get_args(tp)
        item = args[0] if args else Any
        items = value if item in (Any, float, int, str) else [decode(item, v) for v in value]
        return tuple(items) if origin is tuple else list(items)
    if origin is dict:
        _, vt = typing.get_args(tp) or (Any, Any)
        return dict(value) if vt in (Any, float, int, str) else {k: decode(vt, v) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if dataclasses.is_dataclass(tp):
        hints, names = _hints(tp)
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{tp.__name__}: unknown field(s) {sorted(unknown)}")
        return tp(**{k: decode(hints[k], v) for k, v in value.items()})
    return value


def load_sweep(directory: Path) -> SweepData:
    problems: list[str] = []
    rows, bad = read_jsonl(directory / SWEEP_MARKER)
    if bad:
        problems.append(f"{bad} unreadable line(s) in {SWEEP_MARKER} were skipped")
    if not rows:
        rows = _rows_from_run_dirs(directory)
        if rows:
            problems.append(f"no readable {SWEEP_MARKER}: runs were read from {directory / 'runs'} instead")
    # The last row of a (task, method, seed) wins: a resumed sweep appends a run's new result.
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (str(row.get("task_id", "?")), str(row.get("name", "?")), str(row.get("seed", "?")))
        latest[key] = row
    try:
        sweep_yaml = (directory / "sweep.yaml").read_text()
    except (OSError, UnicodeDecodeError):
        sweep_yaml = ""
    return SweepData(dir=directory, rows=list(latest.values()), sweep_yaml=sweep_yaml, problems=problems)


def run_dir_of(sweep: Path, row: dict[str, Any]) -> Path | None:
    """Where a results row's run directory is (absolute, relative to the sweep, or under runs/)."""
    value = row.get("run_dir")
    if not value:
        return None
    path = Path(str(value))
    for candidate in (path, sweep / path, sweep / "runs" / path.name):
        if candidate.is_dir():
            return candidate
    return None


def _rows_from_run_dirs(directory: Path) -> list[dict[str, Any]]:
    rows = []
    for run in sorted((directory / "runs").glob("*")) if (directory / "runs").is_dir() else []:
        summary = read_json(run / "summary.json")
        if summary is None:
            continue
        rows.append({"task_id": summary.get("task_id"), "name": summary.get("strategy") or _dir_part(run, 1),
                     "seed": _dir_part(run, 2), "overrides": [], "status": "failed" if summary.get("error") else "finished",
                     "error": summary.get("error", ""), "best_speedup": summary.get("best_speedup"),
                     "best_speedup_ci": summary.get("best_speedup_ci"), "budget_used": summary.get("budget_used", {}),
                     "run_dir": str(run)})
    return rows


def _dir_part(directory: Path, index: int) -> str:
    parts = directory.name.split("__")
    return parts[index] if len(parts) > index else ""


def _extension(directory: Path, summary: dict[str, Any], nodes: list[Node]) -> str:
    best = summary.get("best_source")
    if best:
        return Path(str(best)).suffix.lstrip(".") or "cpp"
    for path in directory.glob("best.*"):
        return path.suffix.lstrip(".")
    root = nodes[0].source if nodes and nodes[0].source else ""
    return "py" if re.search(r"^\s*(import|from)\s+torch", root, re.M) else "cpp"
