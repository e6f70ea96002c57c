"""The sweep directory's files, as the driver writes them and reports and trackers read them.

    sweep.yaml      the definition, the run keys and the `plan` (PlannedRun entries); written
                    by the driver (maxcode/sweep/directory.py)
    results.jsonl   one row per finished or failed run, appended; the last row of a run wins
                    (a resumed sweep appends a run's new result). Read with the same cut-line
                    policy as a trajectory (records/lines.py)
    runs/<key>/     one run directory per (task, grid point), as `maxcode optimize` writes it
    summary.json    the papers' metrics per method (`SweepSummary`), written at the end of
                    every sweep command

The sweep's summary is a record here, not in maxcode/sweep/, so that reports and trackers
read it without importing the package that runs sweeps (which imports them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxcode.records.jsonable import from_dict, to_dict
from maxcode.records.lines import Lines, append_line, read_lines
from maxcode.records.run import SUMMARY, atomic_write, read_json

RESULTS = "results.jsonl"
SPEC = "sweep.yaml"
RUNS = "runs"


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


class SweepReader:
    """Reads a sweep directory without changing it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.runs = self.path / RUNS
        self.spec = self.path / SPEC
        self.results = SweepResults(self.path)

    def run_dir(self, key: str) -> Path:
        return self.runs / key

    def rows(self) -> dict[str, dict[str, Any]]:
        """The last row of every run recorded so far, by run key."""
        return {key[0]: row for key, row in self.results.latest().items()}

    def sweep_summary(self) -> SweepSummary | None:
        """summary.json as its typed record; None when absent (a sweep whose first command is
        still going) or not a sweep summary."""
        data = read_json(self.path / SUMMARY)
        try:
            return SweepSummary.from_dict(data) if data is not None else None
        except (ValueError, TypeError):
            return None


def write_summary(sweep_dir: str | Path, summary: SweepSummary) -> None:
    atomic_write(Path(sweep_dir) / SUMMARY, json.dumps(summary.to_dict(), indent=2) + "\n")


# --- sweep.yaml's plan ------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedTask:
    id: str
    family: str
    """`cpp` or `kernel`: which papers' metrics its runs count toward."""


@dataclass(frozen=True)
class PlannedRun:
    """One planned run of a sweep, as far as its summary needs it: the fields of the driver's
    RunJob that sweep.yaml's `plan` keeps, so a report drawn from the directory alone
    compares the same runs as the sweep's own summary."""

    key: str
    task: PlannedTask
    name: str
    seed: int


def plan_entries(jobs: Iterable[Any]) -> list[dict[str, Any]]:
    """sweep.yaml's `plan`: one entry per planned run (the driver's RunJob or a PlannedRun)."""
    return [{"key": j.key, "task": j.task.id, "family": j.task.family, "method": j.name, "seed": int(j.seed)}
            for j in jobs]


def planned_runs(entries: Iterable[dict[str, Any]]) -> list[PlannedRun]:
    return [PlannedRun(key=str(e["key"]), task=PlannedTask(str(e["task"]), str(e["family"])),
                       name=str(e["method"]), seed=int(e["seed"])) for e in entries]


# --- summary.json -----------------------------------------------------------------------------
@dataclass
class Interval:
    """A statistic with its 95% percentile-bootstrap interval over tasks and seeds."""

    value: float | None = None
    """None when no run gave the statistic a value (e.g. nothing timed against torch.compile)."""
    ci: list[float] | None = None
    n: int | None = None
    """The (task, seed) cells it is computed over, where runs may drop out (efficiency)."""


@dataclass
class Paired(Interval):
    """A method's paired difference of best speedup against the reference method, and how
    many (task, seed) cells it won, tied (intervals overlap) and lost."""

    won: int = 0
    tied: int = 0
    lost: int = 0


@dataclass
class RunCounts:
    total: int = 0
    finished: int = 0
    failed: int = 0
    missing: int = 0


@dataclass
class Bootstrap:
    resamples: int
    rng_seed: int
    over: str = "tasks and seeds"
    level: float = 0.95


@dataclass
class AtBudget:
    """A method's best claimed speedup so far at one equal-budget level, over its runs."""

    median: float
    mean: float
    runs: int


@dataclass
class EqualBudget:
    levels: dict[str, float | None] = field(default_factory=dict)
    """Resource -> the least, over methods, of the most any run of the method spent (None
    when some method spent none of it)."""
    methods: dict[str, dict[str, AtBudget | None]] = field(default_factory=dict)


@dataclass
class ToBest:
    """What a method's runs paid to reach 95% of the best any method found on their task."""

    judge_seconds: Interval = field(default_factory=Interval)
    """Median judge seconds; a run that never reached it counts what it spent in all."""
    evaluations: Interval = field(default_factory=Interval)
    reached: int = 0
    runs: int = 0


@dataclass
class Saving:
    """A method's saving against the reference in what reaching 95% of the task's best cost:
    1 - exp(mean over (task, seed) of log(cost / reference's cost)), with its interval."""

    judge_seconds: Interval = field(default_factory=Interval)
    evaluations: Interval = field(default_factory=Interval)
    detectable_judge_seconds: float | None = None
    """The smallest saving this many paired runs would have detected with 80% power at the
    5% level (2.8 standard errors of the mean log ratio, the standard error read from the
    bootstrap interval): a saving interval that includes 0 says "no saving shown", this says
    how large a saving that rules out. None without an interval."""
    detectable_evaluations: float | None = None


@dataclass
class Efficiency:
    reference: str | None = None
    """The sweep's first method; None for a sweep without runs."""
    evaluations_to_95: dict[str, Interval] = field(default_factory=dict)
    paired_vs_reference: dict[str, Paired] = field(default_factory=dict)
    to_task_best: dict[str, ToBest] = field(default_factory=dict)
    saving_vs_reference: dict[str, Saving] = field(default_factory=dict)


@dataclass
class TaskCell:
    """One task's runs of one method."""

    speedups: list[float] = field(default_factory=list)
    correct: int = 0
    runs: int = 0
    failed: int = 0
    missing: int = 0
    median_speedup: float | None = None


@dataclass
class FailedRun:
    run_key: str
    error: str = ""


@dataclass
class SweepSummary:
    """The sweep's summary.json (computed by maxcode/report/sweep_metrics.py). Fields are only
    ever added (with defaults), so an older summary still reads."""

    title: str
    family: str
    """`cpp`, `kernel` or `mixed`: which papers' metrics `metrics` holds."""
    tasks: list[str]
    methods: list[str]
    seeds: list[int]
    runs: RunCounts
    bootstrap: Bootstrap
    metrics: dict[str, dict[str, Interval]]
    """Method -> metric -> its value and interval."""
    equal_budget: EqualBudget
    per_task: dict[str, dict[str, TaskCell]]
    failed_runs: list[FailedRun]
    compared_tasks: list[str] = field(default_factory=list)
    """The tasks whose runs have all ended, which the metrics compare; [] in summaries written
    before a partial sweep was summarized (then every task)."""
    pending_tasks: list[str] = field(default_factory=list)
    efficiency: Efficiency = field(default_factory=Efficiency)
    sweep_dir: str = ""
    wall_s: float | None = None
    """The driver's wall time for the command that wrote it."""

    @property
    def compared(self) -> list[str]:
        return self.compared_tasks or self.tasks

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SweepSummary:
        return from_dict(cls, data)
