"""What a timer is given and what it gives back.

A timer compares two already-built, already-checked programs on the task's inputs and
returns a `Measurement`. It never judges correctness; when a program fails while being
timed (a flaky crash, a timeout under load) it stops and reports which side failed on
which input, and the judge turns that into a verdict.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from maxcode.records.testcases import TestCase
from maxcode.sandbox.run_spec import Limits, RunSpec, Sandbox, Step, StepResult
from maxcode.sandbox.timing.stats import SpeedupEstimate

BASELINE = "baseline"
CANDIDATE = "candidate"
PROGRAM = "prog"
"""Every run of every program, checked or timed, baseline or candidate, is `./prog`."""


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
    checked_digests: dict[str, list[str | None]] | None = None
    """Per side, the runner's digest of its checked output on each input: every timed run
    must print exactly that again, or it did not do the work it is timed for."""


@dataclass
class TimingFailure:
    """A program failed while being timed."""

    side: str
    """`baseline` or `candidate`."""
    test: str
    """Name of the input it failed on."""
    step: StepResult
    output_changed: bool = False
    """It ran cleanly but printed something other than its checked output."""


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

    def measure(self, backend: Sandbox, job: TimingJob) -> Measurement: ...


def input_files(tests: list[TestCase]) -> dict[str, Path]:
    """Workspace name -> host path of every input (outputs deliberately absent)."""
    return {f"in/{i}.txt": Path(t.input_path) for i, t in enumerate(tests)}


class ProgramRuns:
    """The sealed workspace in which checked and timed runs of C++ programs look alike.

    Binaries and inputs are root's and read-only; each binary sits under `bin/` with a name
    drawn afresh for every sandbox run, in a directory no program can list, so a program
    can neither find, read nor replace another. Every run is a fresh step: `./prog` in an
    empty scratch of its own, stdin from its input, stdout captured by the runner, and
    nothing left behind for the next run (`Step.fresh`). A program cannot tell whether it
    is checked or timed, nor next to which other program.
    """

    def __init__(self, binaries: dict[str, Path], tests: list[TestCase]) -> None:
        self.inputs = input_files(tests)
        self.names = list(self.inputs)
        self.binary = {side: f"bin/{secrets.token_hex(16)}" for side in binaries}
        self.files: dict[str, bytes | Path] = {self.binary[side]: path for side, path in binaries.items()}
        self.files.update(self.inputs)

    def step(self, side: str, test: int, limits: Limits, label: str, prefix: tuple[str, ...] = (),
             discard_stdout: bool = False, save: str | None = None) -> Step:
        """One run of `side`'s program on input `test`; `prefix` runs it under a tool."""
        return Step([*prefix, f"./{PROGRAM}"], stdin=self.names[test], limits=limits, label=label,
                    fresh=True, links=((self.binary[side], PROGRAM),), save=save,
                    discard_stdout=discard_stdout)

    def spec(self, steps: list[Step], image: str) -> RunSpec:
        return RunSpec(steps=steps, files=self.files, executables=frozenset(self.binary.values()),
                       image=image, sealed=True)


def timed_failure(job: TimingJob, side: str, test: int, step: StepResult) -> TimingFailure | None:
    """Why a timed run does not count, or None: it failed, or it ran cleanly but printed
    something other than the same program's checked output (it did not do the work it was
    timed for)."""
    if not step.ok:
        return TimingFailure(side, job.tests[test].name, step)
    if job.checked_digests is not None and step.stdout_digest != job.checked_digests[side][test]:
        return TimingFailure(side, job.tests[test].name, step, output_changed=True)
    return None
