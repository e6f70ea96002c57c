"""A sweep directory's `results.jsonl`: one row per finished or failed run, appended; the
last row of a run wins (a resumed sweep appends a run's new result). Read with the same
cut-line policy as a trajectory (records/lines.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maxcode.records.lines import Lines, append_line, read_lines

RESULTS = "results.jsonl"


class SweepResults:
    def __init__(self, sweep_dir: str | Path) -> None:
        self.path = Path(sweep_dir) / RESULTS
        self.lines = Lines()

    def exists(self) -> bool:
        return self.path.is_file()

    def rows(self) -> list[dict[str, Any]]:
        """Every whole row, in the order written (`lines` says whether the file was cut)."""
        self.lines = read_lines(self.path)
        return self.lines.rows

    def latest(self, key: tuple[str, ...] = ("run_key",)) -> dict[tuple[str, ...], dict[str, Any]]:
        """The last row of each run, runs told apart by the fields `key`."""
        return {tuple(str(row.get(k, "?")) for k in key): row for row in self.rows()}

    def append(self, row: dict[str, Any]) -> None:
        append_line(self.path, json.dumps(row))
