"""JSON-lines files as MaxCode appends them, and the one policy for a line cut by a kill.

A record is one line that ends in a newline and parses as a JSON object; the writer puts
each record down in one write, flushed (and fsynced) before the next. So a kill can only
cut the last line, and reading stops at the first line that is not a whole record: what
follows it is never read, by any reader, and a writer that resumes cuts the file there
before it appends (`truncate_at_cut`). A line being written right now is not yet a record.

Several processes may append to one file (the verdict memo) if they append under one
exclusive lock: readers need no lock, since a line being written is not yet a record, and a
writer cuts the file only while it holds that lock, when what follows the last whole record
can only be a killed writer's.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Lines:
    """The whole records of a JSON-lines file, and where reading stopped."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    end: int = 0
    """Byte offset just after the last whole record (where the next append belongs)."""
    size: int = 0
    """Bytes in the file when it was read."""
    missing: bool = False
    """The file does not exist."""

    @property
    def cut(self) -> bool:
        """True when bytes after the last whole record were left unread."""
        return self.end < self.size


def read_lines(path: Path, start: int = 0) -> Lines:
    """The records of `path` from byte `start` (a follower's offset) up to the first line
    that is not one."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            raw = f.read()
    except FileNotFoundError:
        return Lines(end=start, size=start, missing=True)
    rows: list[dict[str, Any]] = []
    offset = 0
    while offset < len(raw):
        newline = raw.find(b"\n", offset)
        if newline < 0:
            break  # no newline yet: cut, or being written
        line = raw[offset:newline]
        if line.strip():
            try:
                value = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                break
            if not isinstance(value, dict):
                break
            rows.append(value)
        offset = newline + 1
    return Lines(rows=rows, end=start + offset, size=start + len(raw))


def truncate_at_cut(path: Path, lines: Lines) -> None:
    """Drop what follows the last whole record, so that appends stay readable (with several
    writers, only under the lock they append under: the cut may be another's line in progress)."""
    if lines.cut:
        with open(path, "r+b") as f:
            f.truncate(lines.end)


def append_line(path: Path, text: str, durable: bool = True) -> None:
    """One record, appended and flushed (fsynced when `durable`) before returning."""
    with open(path, "a") as f:
        f.write(text if text.endswith("\n") else text + "\n")
        f.flush()
        if durable:
            os.fsync(f.fileno())
