"""What a timer is given and what it gives back.

A timer compares two already-built, already-checked programs on the task's inputs and
returns a `Measurement`. It never judges correctness; when a program fails while being
timed (a flaky crash, a timeout under load) it stops and reports which side failed on
which input, and the judge turns that into a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from records.testcases import TestCase
from sandbox.backends.base import Backend, Limits, StepResult
from sandbox.timing.stats import SpeedupEstimate

BASELINE = "baseline"
CANDIDATE = "candidate"


@dataclass(frozen=True)
class TimingJob:
    """Two checked binaries and the inputs to time them on."""

    baseline: Path
    """Host path of the baseline's binary."""
    candidate: Path
    """Host path of the candidate's binary."""
    tests: list[TestCase]
    """Inputs (only `input_path` is used; expected outputs never enter a sandbox)."""
    limits: Limits
    """Limits of one run of one binary on one input."""
    image: str = "cpp"
    round_estimate_s: float | None = None
    """Seconds one round of both programs over every input is expected to take (from the
    correctness runs); sizes the first batch."""
    incumbent: float | None = None
    """In a search: a lower bound of the best speedup found so far. A candidate whose
    interval lies wholly below it cannot become the answer, and its timing stops there."""
    full_budget: bool = False
    """Time to the width target or the cap, deciding nothing early (the final best of a
    search is re-timed so)."""


@dataclass
class TimingFailure:
    """A program failed while being timed."""

    side: str
    """`baseline` or `candidate`."""
    test: str
    """Name of the input it failed on."""
    step: StepResult


@dataclass
class Measurement:
    """The comparison of one timing phase; fields map one to one onto `Evaluation`'s."""

    mode: str
    baseline_times_s: list[float] = field(default_factory=list)
    candidate_times_s: list[float] = field(default_factory=list)
    baseline_time_s: float | None = None
    candidate_time_s: float | None = None
    baseline_instructions: int | None = None
    candidate_instructions: int | None = None
    estimate: SpeedupEstimate | None = None
    details: dict[str, Any] = field(default_factory=dict)
    """Timer-specific facts (rounds, batches, stop reason, per-input medians), JSON-safe."""
    failure: TimingFailure | None = None


@runtime_checkable
class Timer(Protocol):
    """Compares a baseline and a candidate binary; configured under `conf/timing/`."""

    mode: str
    seed: int

    def measure(self, backend: Backend, job: TimingJob) -> Measurement: ...


def input_files(tests: list[TestCase]) -> dict[str, Path]:
    """Workspace name -> host path of every input (outputs deliberately absent)."""
    return {f"in/{i}.txt": Path(t.input_path) for i, t in enumerate(tests)}
