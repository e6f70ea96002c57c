"""Stage 2 of the C++ judge: run a binary on every test input and check its outputs.

Only inputs enter the sandbox; expected outputs stay on the host and are compared here,
after the run, so a candidate cannot read them whatever it does inside. The runner stops
at the first test whose process fails, so a timeout costs one time limit, not one per test.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxcode.records.evaluation import Mismatch, Status, truncate
from maxcode.records.testcases import TestCase
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.judges.cpp.output_rule import compare_outputs
from maxcode.sandbox.run_spec import Limits, RunResult, StepResult
from maxcode.sandbox.timing.base import PROGRAM, ProgramRuns

# Rationale: libstdc++ reports an allocation refused under RLIMIT_AS this way (then aborts);
# it is a memory verdict even when the runner saw only SIGABRT.
_BAD_ALLOC = b"std::bad_alloc"


@dataclass
class TestRun:
    """The outcome of running one binary over every test."""

    steps: list[StepResult]
    """One per test, in test order (skipped ones flagged)."""
    result: RunResult


@dataclass
class Failure:
    """Why a run is not a pass: the status and the facts behind it."""

    status: Status
    test: str
    message: str
    log: str = ""
    mismatch: Mismatch | None = None
    details: dict[str, Any] = field(default_factory=dict)
    """Facts for the critique: `time_limit_s`, `signal` (name), `exit_code`, `partial_stdout`."""


def run_tests(backend: Backend, binary: Path, tests: list[TestCase], limits: Limits, image: str) -> TestRun:
    """Every test in the sealed layout the timing rounds use (`ProgramRuns`), so a program
    cannot tell this run from a timed one."""
    runs = ProgramRuns({PROGRAM: binary}, tests)
    steps = [runs.step(PROGRAM, i, limits, test.name) for i, test in enumerate(tests)]
    result = backend.run(runs.spec(steps, image))
    if len(result.steps) != len(steps):
        raise RuntimeError(f"backend returned {len(result.steps)} step results for {len(steps)} steps")
    return TestRun(result.steps, result)


def step_failure(step: StepResult, test: str, limits: Limits) -> Failure | None:
    """The status of a process that did not finish cleanly, None if it did."""
    stderr = truncate(step.stderr.decode("utf-8", errors="replace"))
    where = f"on test {test}"
    if step.timed_out or step.signal == signal.SIGXCPU:
        return Failure(Status.TIMEOUT, test, f"exceeded the {limits.wall_time_s:g}s time limit {where}", stderr,
                       details={"time_limit_s": limits.wall_time_s,
                                "partial_stdout": truncate(step.stdout.decode("utf-8", errors="replace"))})
    if step.memory_exceeded or (_BAD_ALLOC in step.stderr and step.exit_code != 0):
        return Failure(
            Status.MEMORY_EXCEEDED, test,
            f"exceeded the {limits.memory_bytes // (1 << 20)} MiB memory limit {where}", stderr,
            details={"memory_limit_bytes": limits.memory_bytes},
        )
    if step.output_exceeded or step.signal == signal.SIGXFSZ:
        return Failure(
            Status.RUNTIME_ERROR, test, f"wrote more than {limits.output_bytes} bytes of output {where}", stderr,
            details={"output_limit_bytes": limits.output_bytes},
        )
    if step.skipped:
        return Failure(Status.RUNTIME_ERROR, test, f"not run {where}: an earlier step failed", stderr)
    if step.signal is not None:
        try:
            name = signal.Signals(step.signal).name
        except ValueError:
            name = f"signal {step.signal}"
        return Failure(Status.RUNTIME_ERROR, test, f"killed by {name} {where}", stderr, details={"signal": name})
    if step.exit_code != 0:
        return Failure(Status.RUNTIME_ERROR, test, f"exited with code {step.exit_code} {where}", stderr,
                       details={"exit_code": step.exit_code})
    return None


def first_failure(run: TestRun, tests: list[TestCase], limits: Limits) -> Failure | None:
    """The first test, in order, that crashed, hit a limit or printed a wrong answer."""
    for step, test in zip(run.steps, tests, strict=True):
        failure = step_failure(step, test.name, limits)
        if failure is not None:
            return failure
        expected = Path(test.output_path).read_bytes()
        mismatch = compare_outputs(test.name, expected, step.stdout)
        if mismatch is not None:
            return Failure(
                Status.WRONG_ANSWER, test.name,
                f"wrong answer on test {test.name}, line {mismatch.line}: "
                f"expected {mismatch.expected!r}, got {mismatch.got!r}",
                truncate(step.stderr.decode("utf-8", errors="replace")),
                mismatch,
            )
    return None
