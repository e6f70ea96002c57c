"""The run directory: the one reader and the one writer of what a search records.

    config.yaml        resolved config (the first session's; a resume with another config
                       writes config.resume-<n>.yaml beside it)
    trajectory.jsonl   one Node per line, appended, flushed and fsynced as nodes finish
    prompts/<hash>.md  each distinct prompt once
    candidates/<id>.reply.md, <id>.<ext>, <id>.evaluation.json: the audit trail per node
    summary.json       written atomically after every step and at the end
    final_timing.json  the answer re-timed with the full budget (`evaluation`, or the judge's `error`)
    compile_timing.json  a kernel answer also against torch.compile (loop.versus_compile)
    best.<ext>         the answer (the baseline when no claim can be made)
    report.md, report.html, figures

Resume, reports, sweep metrics, trackers, `proposer=replay` and the reward-to-go dataset
all read nodes through `RunReader`, so a line cut by a kill means the same to each of them
(records/lines.py): the nodes before it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.lines import Lines, read_lines, truncate_at_cut
from maxcode.records.node import Node, NodeStatus, ProposerInfo
from maxcode.records.summary import RunSummary
from maxcode.records.usage import CriticUsage

log = logging.getLogger(__name__)

TRAJECTORY = "trajectory.jsonl"
SUMMARY = "summary.json"
FINAL_TIMING = "final_timing.json"
COMPILE_TIMING = "compile_timing.json"


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def is_run_dir(path: Path) -> bool:
    return (Path(path) / TRAJECTORY).is_file()


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object file, or None when absent, unreadable or not an object."""
    try:
        value = json.loads(Path(path).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


class RunReader:
    """Reads a run directory without changing it.

    `problems` lists, one line each, what could not be read (a cut last line, records of
    another version, duplicate ids), for the reader to show or log."""

    def __init__(self, run_dir: str | Path) -> None:
        self.dir = Path(run_dir)
        self.trajectory = self.dir / TRAJECTORY
        self.problems: list[str] = []
        self.lines = Lines()

    def nodes(self, light: bool = False) -> list[Node]:
        """Every recorded node in id order (the first record of an id wins).

        `light`: nodes without programs, replies, logs or diagnoses (what a sweep's page
        needs from each of its runs: curves and statuses), read ~10x faster."""
        self.problems = []
        self.lines = read_lines(self.trajectory)
        if self.lines.missing:
            self.problems.append(f"no {TRAJECTORY}: no node was recorded")
        if self.lines.cut:
            self.problems.append(f"{TRAJECTORY}: the {self.lines.size - self.lines.end} byte(s) after the last "
                                 "whole line were not read (cut by a kill, or being written)")
        seen: dict[int, Node] = {}
        foreign = 0
        for row in self.lines.rows:
            try:
                node = _sketch(row) if light else Node.from_dict(row)
            except (ValueError, KeyError, TypeError):
                foreign += 1
                continue
            seen.setdefault(node.id, node)
        if foreign:
            self.problems.append(f"{foreign} line(s) of {TRAJECTORY} are not nodes of this MaxCode version; skipped")
        if len(seen) < len(self.lines.rows) - foreign:
            self.problems.append(f"{len(self.lines.rows) - foreign - len(seen)} repeated node id(s); the first kept")
        return sorted(seen.values(), key=lambda n: n.id)

    def run_summary(self) -> RunSummary | None:
        """summary.json as its typed record; None when absent (a run still going, or killed
        before its end, has none) or not a summary of this MaxCode version."""
        data = read_json(self.dir / SUMMARY)
        try:
            return RunSummary.from_dict(data) if data is not None else None
        except (ValueError, TypeError):
            return None

    def read_json(self, name: str) -> dict[str, Any] | None:
        return read_json(self.dir / name)


class RunWriter:
    """Creates, resumes and appends one run directory; `append` is thread-safe."""

    def __init__(self, run_dir: str | Path, durable: bool = True) -> None:
        self.dir = Path(run_dir)
        self.trajectory = self.dir / TRAJECTORY
        self.durable = durable
        """fdatasync after every node (a kill or power loss then loses at most the node being
        written); off only in benchmarks that separate the disk's latency from the loop's."""
        self._lock = threading.Lock()
        self._handle = None
        self._candidates_dir_made = False

    def exists(self) -> bool:
        return self.trajectory.is_file()

    def open(self, config_yaml: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        first = self.dir / "config.yaml"
        if not first.exists():
            atomic_write(first, config_yaml)
        elif first.read_text() != config_yaml:
            n = len(list(self.dir.glob("config.resume-*.yaml"))) + 1
            atomic_write(self.dir / f"config.resume-{n}.yaml", config_yaml)
            log.warning("resuming %s with a different config (saved as config.resume-%d.yaml)", self.dir, n)

    def resume(self) -> list[Node]:
        """The recorded nodes (as `RunReader` reads them); what follows the last whole line
        is cut off the file, so that this writer's appends stay readable."""
        reader = RunReader(self.dir)
        nodes = reader.nodes()
        if not reader.lines.missing:  # a new run has nothing to report
            for problem in reader.problems:
                log.warning("%s: %s", self.dir, problem)
        with self._lock:
            truncate_at_cut(self.trajectory, reader.lines)
        return nodes

    def append(self, node: Node) -> None:
        self.append_line(node.to_json())

    def append_line(self, line: str) -> None:
        """One trajectory record as JSON text (a sweep's driver writes its workers' lines)."""
        with self._lock:
            if self._handle is None:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.trajectory, "a")
            self._handle.write(line if line.endswith("\n") else line + "\n")
            self._handle.flush()
            if self.durable:
                os.fdatasync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def write_prompt(self, prompt_hash: str, messages: list[dict[str, str]]) -> None:
        path = self.dir / "prompts" / f"{prompt_hash}.md"
        if path.exists():
            return
        path.parent.mkdir(exist_ok=True)
        atomic_write(path, "\n\n".join(f"## {m['role']}\n\n{m['content']}" for m in messages) + "\n")

    def write_candidate(self, node: Node, ext: str) -> None:
        """candidates/<id>.reply.md, <id>.<ext>, <id>.evaluation.json (flat: no mkdir per node)."""
        folder = self.dir / "candidates"
        if not self._candidates_dir_made:
            folder.mkdir(exist_ok=True)
            self._candidates_dir_made = True
        stem = folder / f"{node.id:05d}"
        stem.with_suffix(".reply.md").write_text(node.reply)
        if node.source is not None:
            stem.with_suffix(f".{ext}").write_text(node.source)
        if node.evaluation is not None:
            stem.with_suffix(".evaluation.json").write_text(json.dumps(node.evaluation.to_dict(), indent=1))

    def write_summary(self, summary: RunSummary) -> None:
        self.write_json(SUMMARY, summary.to_dict())

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        atomic_write(self.dir / name, json.dumps(data, indent=2, sort_keys=False) + "\n")

    def read_json(self, name: str) -> dict[str, Any] | None:
        """A JSON object written by `write_json`, or None when absent or unreadable."""
        return read_json(self.dir / name)

    def write_text(self, name: str, text: str) -> Path:
        path = self.dir / name
        atomic_write(path, text)
        return path


def _sketch(row: dict[str, Any]) -> Node:
    """A node with only its place in the tree, its verdict's numbers and its spending."""
    ev, proposer = row.get("evaluation"), row.get("proposer") or {}
    ci = ev.get("speedup_ci") if ev else None
    evaluation = None if ev is None else Evaluation(
        status=Status(ev["status"]), correct=bool(ev["correct"]), speedup=ev.get("speedup"),
        speedup_ci=(float(ci[0]), float(ci[1])) if ci else None, significant=bool(ev.get("significant")),
        # What the judgement cost: the sweep's judge-seconds budget axis reads it.
        details={"judge_s": ev["details"]["judge_s"]} if "judge_s" in (ev.get("details") or {}) else {})
    critic = row.get("critic_usage") or {}
    return Node(id=int(row["id"]), parent_id=row.get("parent_id"), step=int(row.get("step", 0)),
                index=int(row.get("index", 0)), status=NodeStatus(row["status"]),
                proposer=ProposerInfo(calls=int(proposer.get("calls", 0)), cost_usd=float(proposer.get("cost_usd", 0.0)),
                                      prompt_tokens=int(proposer.get("prompt_tokens", 0)),
                                      completion_tokens=int(proposer.get("completion_tokens", 0))),
                evaluation=evaluation, critic_usage=CriticUsage(**critic),
                duplicate_of=row.get("duplicate_of"), evaluated=bool(row.get("evaluated")),
                elapsed_s=float(row.get("elapsed_s", 0.0)))
