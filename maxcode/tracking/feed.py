"""What a tracker is fed, read from a run directory: params, metric points, summary, artifacts.

One metric point per judged evaluation (a node with `evaluated` true), stepped by how many
evaluations were judged so far, in the order the trajectory recorded them; what happened in
between (duplicates, skips, replies without code) is counted into the next point.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from maxcode.records.lines import read_lines
from maxcode.records.node import Node
from maxcode.records.run import SUMMARY, RunReader
from maxcode.records.sweep import SweepReader

ARTIFACTS = ("report.html", SUMMARY, "summary.md")
"""Files of a run or sweep directory logged as artifacts, beside the best program `best.<ext>`."""


@dataclass
class MetricPoint:
    step: int
    """Judged evaluations so far (1 for the first)."""
    values: dict[str, float]


@dataclass
class PointReader:
    """Reads `trajectory.jsonl` from where it stopped; only whole lines (a line being
    written, or cut by a kill, waits for the next read)."""

    path: Path
    offset: int = 0
    step: int = 0
    nodes: int = 0
    best: float = 1.0
    best_ci: tuple[float, float] | None = None
    counts: Counter = field(default_factory=Counter)
    spent: Counter = field(default_factory=Counter)

    def read(self) -> list[MetricPoint]:
        lines = read_lines(self.path, start=self.offset)
        points = [p for p in (self._feed(Node.from_dict(row)) for row in lines.rows) if p is not None]
        self.offset = lines.end
        return points

    def _feed(self, n: Node) -> MetricPoint | None:
        if n.parent_id is None:
            return None
        self.nodes += 1
        self.counts[n.status.value] += 1
        used = n.spent()
        self.spent["tokens"] += used.tokens
        self.spent["dollars"] += used.cost_usd
        self.spent["llm_calls"] += used.llm_calls
        if n.claim is not None and n.claim > self.best:
            self.best, self.best_ci = n.claim, n.evaluation.speedup_ci
        if not n.evaluated:
            return None
        ev = n.evaluation
        self.step += 1
        if ev is not None:
            # Seconds the timed runs took, both sides: every judge records its raw samples;
            # the kernel judge also records its whole wall time (`judge_s`).
            self.spent["judge_timed_s"] += sum(ev.baseline_times_s) + sum(ev.candidate_times_s)
            self.spent["judge_s"] += float(ev.details.get("judge_s", 0.0))
        values = {
            "search/best_speedup": self.best,
            "search/nodes": float(self.nodes),
            "search/wall_s": n.elapsed_s,
            "budget/tokens": float(self.spent["tokens"]),
            "budget/dollars": float(self.spent["dollars"]),
            "budget/llm_calls": float(self.spent["llm_calls"]),
            "judge/timed_s": float(self.spent["judge_timed_s"]),
            "judge/seconds": float(self.spent["judge_s"]),
            **{f"judge/status/{k}": float(v) for k, v in sorted(self.counts.items())},
        }
        if self.best_ci is not None:
            values["search/best_speedup_ci_low"], values["search/best_speedup_ci_high"] = self.best_ci
        return MetricPoint(step=self.step, values=values)


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    """Nested config -> {"a.b.c": "value"}; lists as JSON, None as "null"."""
    if isinstance(data, dict):
        out: dict[str, str] = {}
        for k, v in data.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    value = json.dumps(data) if isinstance(data, (list, bool)) or data is None else str(data)
    return {prefix.rstrip("."): value}


def params(run_dir: Path, config_file: str = "config.yaml") -> dict[str, str]:
    """The resolved config a directory was started with (a run's first `config.yaml`, a
    sweep's `sweep.yaml`), flattened."""
    path = run_dir / config_file
    return flatten(yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def summary_numbers(directory: Path, kind: str = "run") -> dict[str, float]:
    """The numbers of a run's (or, `kind` sweep, a sweep's) summary.json; {} without one."""
    record = SweepReader(directory).sweep_summary() if kind == "sweep" else RunReader(directory).run_summary()
    return numbers(record.to_dict()) if record is not None else {}


def numbers(data: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The numeric leaves of a summary, flattened (a CI pair as `_low` / `_high`)."""
    out: dict[str, float] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool):
            out[key] = float(v)
        elif isinstance(v, (int, float)):
            out[key] = float(v)
        elif isinstance(v, dict):
            out.update(numbers(v, key + "."))
        elif isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
            out[key + "_low"], out[key + "_high"] = float(v[0]), float(v[1])
    return out


def artifacts(run_dir: Path) -> list[Path]:
    """report.html, summary.json and the best program, those that exist."""
    found = [run_dir / name for name in ARTIFACTS]
    found += [p for p in sorted(run_dir.glob("best.*")) if p.suffix not in (".png", ".tmp")]
    return [p for p in found if p.is_file()]
