"""The run directory: everything a search writes, and what a resume reads back.

    config.yaml        resolved config (the first session's; a resume with another config
                       writes config.resume-<n>.yaml beside it)
    trajectory.jsonl   one Node per line, appended, flushed and fsynced as nodes finish
    prompts/<hash>.md  each distinct prompt once
    candidates/<id>.reply.md, <id>.<ext>, <id>.evaluation.json: the audit trail per node
    summary.json       written atomically after every step and at the end
    best.<ext>         the answer (the baseline when no claim can be made)
    report.md, best_speedup.png
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from maxcode.node import Node

log = logging.getLogger(__name__)


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class RunStore:
    """Reads and appends one run directory; `append` is thread-safe."""

    def __init__(self, run_dir: str | Path, durable: bool = True) -> None:
        self.dir = Path(run_dir)
        self.trajectory = self.dir / "trajectory.jsonl"
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

    def load(self) -> list[Node]:
        """Every recorded node, in id order; a line cut by a kill is dropped and the file
        truncated after the last whole line so later appends stay parseable."""
        if not self.exists():
            return []
        raw = self.trajectory.read_bytes()
        nodes, good_end, offset = [], 0, 0
        for line in raw.split(b"\n"):
            end = offset + len(line) + 1
            if line.strip():
                try:
                    nodes.append(Node.from_json(line.decode()))
                    good_end = min(end, len(raw))
                except (ValueError, UnicodeDecodeError):
                    log.warning("%s: dropped an unreadable line at byte %d (cut by a kill?)",
                                self.trajectory, offset)
                    break
            offset = end
        if good_end < len(raw):
            with open(self.trajectory, "r+b") as f:
                f.truncate(good_end)
        seen: dict[int, Node] = {}
        for node in nodes:
            seen.setdefault(node.id, node)
        return sorted(seen.values(), key=lambda n: n.id)

    def append(self, node: Node) -> None:
        line = node.to_json() + "\n"
        with self._lock:
            if self._handle is None:
                self._handle = open(self.trajectory, "a")
            self._handle.write(line)
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

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        atomic_write(self.dir / name, json.dumps(data, indent=2, sort_keys=False) + "\n")

    def read_json(self, name: str) -> dict[str, Any] | None:
        """A JSON object written by `write_json`, or None when absent or unreadable."""
        try:
            data = json.loads((self.dir / name).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_text(self, name: str, text: str) -> Path:
        path = self.dir / name
        atomic_write(path, text)
        return path
