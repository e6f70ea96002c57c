"""The C++ judge (PIE conventions): check -> build -> correctness -> timing -> Evaluation.

    check source   empty / too large / not C++                  -> rejected
    build          g++ in the sandbox, through the build cache   -> compile_error
    correctness    every test, stdin from its input, outputs
                   compared on the host with PIE's rule          -> runtime_error, timeout,
                                                                    memory_exceeded, wrong_answer
    timing         the configured timer (wall or instructions)  -> ok with speedup and CI

The baseline goes through the same build and correctness stages once per (source, tests)
and the result is cached on the host; a baseline that fails its own tests is a `TaskError`,
because no candidate can be judged against it. Every run, checked or timed, is the same
sealed, fresh `./prog` run (`maxcode.sandbox.timing.base.ProgramRuns`), and every timed run must
print its checked output again. A baseline that fails only beside a candidate is that
candidate's failure, not the task's. Every other exit returns an `Evaluation`:
an exception inside the judge becomes `runtime_error` with `error_type` set and
`details["judge_error"] = True`, so a search never stops on one bad candidate.
Errors the user must fix (`UserError`: backend unavailable, broken task) propagate.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxcode.records.errors import TaskError, UserError
from maxcode.records.evaluation import Evaluation, Status, truncate
from maxcode.records.testcases import TestCase
from maxcode.records.tolerance import Tolerance
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.build_cache import BuildCache, cache_key
from maxcode.sandbox.hardware import fingerprint
from maxcode.sandbox.judges.cpp.build import Builder, BuildResult
from maxcode.sandbox.judges.cpp.run import Failure, TestRun, first_failure, run_tests, step_failure
from maxcode.sandbox.judges.cpp.source import MAX_SOURCE_BYTES, check_source
from maxcode.sandbox.run_spec import GiB, Limits, MiB
from maxcode.sandbox.timing import lease
from maxcode.sandbox.timing.base import (
    BASELINE,
    CANDIDATE,
    Measurement,
    Timer,
    TimingFailure,
    TimingJob,
)
from maxcode.sandbox.timing.instructions import talks_to_the_counter
from maxcode.sandbox.timing.sequential import BELOW_INCUMBENT

log = logging.getLogger(__name__)

DEFAULT_COMPILE_LIMITS = Limits(wall_time_s=60.0, memory_bytes=4 * GiB, max_processes=64, output_bytes=256 * MiB)
DEFAULT_RUN_LIMITS = Limits(wall_time_s=10.0, memory_bytes=2 * GiB, max_processes=16, output_bytes=16 * MiB)


@dataclass
class _Baseline:
    """What the judge knows about a baseline that passed its own tests."""

    build: BuildResult
    test_times_s: list[float]
    """Wall time of each test in the validating run."""
    digests: list[str | None]
    """The runner's digest of its output on each test: every timed run must print it again."""


def _limits(value: Limits | Mapping[str, Any] | None, default: Limits) -> Limits:
    if value is None:
        return default
    if isinstance(value, Limits):
        return value
    return Limits(**{**default.__dict__, **dict(value)})


def _tests_key(tests: Sequence[TestCase]) -> str:
    """Content hash of every input and expected output, so edited tests invalidate."""
    parts: list[bytes] = []
    for t in tests:
        for path in (t.input_path, t.output_path):
            try:
                parts.append(Path(path).read_bytes())
            except OSError as exc:
                raise TaskError(f"cannot read test file {path}: {exc.strerror}", "check the tests directory") from exc
    return cache_key("tests-v1", *parts)


def _digests(run: TestRun) -> list[str | None]:
    return [step.stdout_digest for step in run.steps]


class CppJudge:
    """Judges C++17 candidates against a baseline on stdin/stdout test cases."""

    family = "cpp"

    def __init__(
        self,
        backend: Backend,
        timing: Timer,
        compiler: str = "g++",
        flags: Sequence[str] = ("-std=c++17", "-O3"),
        image: str = "cpp",
        cache_dir: str | os.PathLike[str] | None = None,
        compile_limits: Limits | Mapping[str, Any] | None = None,
        run_limits: Limits | Mapping[str, Any] | None = None,
        max_source_bytes: int = MAX_SOURCE_BYTES,
    ) -> None:
        self.backend = backend
        self.timing = timing
        self.image = image
        self.run_limits = _limits(run_limits, DEFAULT_RUN_LIMITS)
        self.max_source_bytes = int(max_source_bytes)
        root = Path(cache_dir) if cache_dir else Path.home() / ".cache" / "maxcode"
        self.cache = BuildCache(root / "cpp")
        self.builder = Builder(
            backend, self.cache, compiler, list(flags), _limits(compile_limits, DEFAULT_COMPILE_LIMITS), image,
        )
        self._baselines: dict[str, _Baseline] = {}
        # Parallel workers share one judge; the first validates the baseline, the rest wait.
        self._baseline_lock = threading.Lock()

    # -- public -----------------------------------------------------------------------

    def evaluate(
        self,
        baseline_source: str,
        candidate_source: str,
        tests: Sequence[TestCase] = (),
        *,
        tolerance: Tolerance | None = None,
        incumbent: float | None = None,
        full_budget: bool = False,
        versus_compile: bool | None = None,
    ) -> Evaluation:
        """Judge `candidate_source` against `baseline_source` on `tests`; always an Evaluation
        (the `Judge` protocol, sandbox/judges/base.py, says what each argument asks).

        Outputs are compared by PIE's rule, so a `tolerance` is refused rather than ignored;
        C++ has no compiled-baseline counterpart, so `versus_compile` changes nothing."""
        if tolerance is not None:
            raise TaskError("a C++ task's outputs are compared by PIE's rule; it takes no tolerance",
                            "drop the tolerance from the C++ task")
        tests = list(tests)
        if not tests:
            raise TaskError("the task has no test cases", "give a tests directory with input.N.txt/output.N.txt")
        started = time.perf_counter()
        try:
            evaluation = self._evaluate(baseline_source, candidate_source, tests, incumbent, full_budget)
        except UserError:
            raise
        except Exception as exc:  # a judge bug or a backend fault must not end a search
            log.exception("C++ judge failed")
            evaluation = Evaluation.failure(
                Status.RUNTIME_ERROR,
                f"judge error: {type(exc).__name__}: {exc}"[:500],
                error_type=f"{type(exc).__module__}.{type(exc).__qualname__}",
                runtime_log=truncate(traceback.format_exc()),
                details={"judge_error": True},
            )
        evaluation.backend = evaluation.backend or self.backend.name
        evaluation.hardware = evaluation.hardware or self._fingerprint()
        evaluation.seed = self.timing.seed
        # What the judgement cost (both judges record it): what a search pays per program, and
        # what a verdict memo's hit saves.
        evaluation.details["judge_s"] = time.perf_counter() - started
        return evaluation

    # -- stages -----------------------------------------------------------------------

    def _evaluate(self, baseline_source: str, candidate_source: str, tests: list[TestCase],
                  incumbent: float | None, full_budget: bool) -> Evaluation:
        reason = check_source(candidate_source, self.max_source_bytes)
        if reason is not None:
            return Evaluation.failure(Status.REJECTED, reason)

        baseline = self._baseline(baseline_source, tests)

        build = self.builder.build(candidate_source)
        if not build.ok:
            status = Status.COMPILE_ERROR
            message = "compilation failed"
            if build.timed_out:
                message = "compilation timed out"
            elif build.memory_exceeded:
                message = "compilation exceeded its memory limit"
            return Evaluation.failure(
                status, message, compile_log=build.log, details={"build_cached": build.cached},
            )
        assert build.binary is not None
        if self.timing.mode == "instructions" and talks_to_the_counter(build.binary):
            return Evaluation.failure(
                Status.REJECTED, "the program carries valgrind client requests, which can switch the "
                "instruction counter off: it cannot be judged by instruction counts (use cpp_timing=wall)",
                compile_log=build.log)

        run = run_tests(self.backend, build.binary, tests, self.run_limits, self.image)
        common: dict[str, Any] = {
            "compile_log": build.log,
            "backend": run.result.backend or self.backend.name,
            "isolation": run.result.isolation,
            "peak_memory_bytes": max((s.peak_memory_bytes for s in run.steps), default=0) or None,
        }
        failure = first_failure(run, tests, self.run_limits)
        if failure is not None:
            return self._failed(failure, common)

        job = TimingJob(
            baseline=baseline.build.binary,  # type: ignore[arg-type]
            candidate=build.binary,
            tests=tests,
            limits=self.run_limits,
            image=self.image,
            round_estimate_s=sum(baseline.test_times_s) + sum(s.wall_time_s for s in run.steps),
            incumbent=incumbent,
            full_budget=full_budget,
            checked_digests={BASELINE: baseline.digests, CANDIDATE: [s.stdout_digest for s in run.steps]},
        )
        # Wall time needs the CPU to itself; instruction counts do not depend on load.
        kind = lease.EXCLUSIVE if self.timing.mode == "wall" else lease.SHARED
        with lease.hold(lease.CPU, kind) as waited_s:
            measurement = self.timing.measure(self.backend, job)
        measurement.details["lease_wait_s"] = round(waited_s, 3)
        if measurement.failure is not None:
            return self._failed(self._timing_failure(measurement.failure, baseline, tests), common)
        return self._ok(measurement, build, common)

    def _timing_failure(self, f: TimingFailure, baseline: _Baseline, tests: list[TestCase]) -> Failure:
        """Whose fault a failure while timed is. The candidate's own failures are its own. So
        is a baseline's, when the baseline run alone again passes every test with its checked
        output: only the candidate ran beside it. Only a baseline that fails alone too is
        the task's problem (`TaskError`)."""
        if f.side == CANDIDATE and f.output_changed:
            return Failure(Status.WRONG_ANSWER, f.test,
                           f"printed another output on test {f.test} while being timed than when checked "
                           "(a timed run must do the work it is timed for)",
                           truncate(f.step.stderr.decode("utf-8", errors="replace")),
                           details={"output_changed_while_timed": True})
        if f.side == CANDIDATE:
            failed = step_failure(f.step, f.test, self.run_limits)
            assert failed is not None
            failed.message = f"{failed.message} (while being timed)"
            return failed
        alone = run_tests(self.backend, baseline.build.binary, tests, self.run_limits, self.image)  # type: ignore[arg-type]
        what = "printed another output than when checked" if f.output_changed else (
            f"failed (exit {f.step.exit_code}, signal {f.step.signal}, timed out {f.step.timed_out})")
        if first_failure(alone, tests, self.run_limits) is None and _digests(alone) == baseline.digests:
            return Failure(Status.RUNTIME_ERROR, f.test,
                           f"the baseline {what} on test {f.test} while being timed beside this candidate, "
                           "and passes alone: the candidate is held responsible",
                           details={"baseline_failed_beside_candidate": True})
        raise TaskError(
            f"the baseline {what} on test {f.test} while being timed, and again when run alone",
            "make the baseline deterministic and well within the time limit",
        )

    def _failed(self, failure: Failure, common: dict[str, Any]) -> Evaluation:
        return Evaluation.failure(
            failure.status, failure.message, runtime_log=failure.log, mismatch=failure.mismatch,
            failing_test=failure.test, details=failure.details, **common,
        )

    def _ok(self, m: Measurement, build: BuildResult, common: dict[str, Any]) -> Evaluation:
        est = m.estimate
        speedup = est.speedup if est else None
        if est is None:
            message = "correct; not timed"
        elif not est.has_interval:
            message = (f"correct, {est.speedup:.3f}x over {est.n} round(s): too few for a confidence "
                       "interval, so no speedup is claimed (raise timing.interval_max_seconds)")
        elif est.significant:
            message = f"correct, {est.speedup:.3f}x ({'faster' if est.speedup > 1 else 'slower'}; "
            message += f"95% CI {est.ci_low:.3f}-{est.ci_high:.3f})"
        else:
            message = f"correct, no significant change ({est.speedup:.3f}x, CI {est.ci_low:.3f}-{est.ci_high:.3f})"
        stopped_below = m.details["incumbent"] if m.details.get("stop_reason") == BELOW_INCUMBENT else None
        if stopped_below is not None:
            message += f"; timing stopped early: below the search's best (>= {stopped_below:.3f}x)"
        return Evaluation(
            status=Status.OK,
            correct=True,
            message=message,
            timing_mode=m.mode,
            baseline_times_s=m.baseline_times_s,
            candidate_times_s=m.candidate_times_s,
            baseline_instructions=m.baseline_instructions,
            candidate_instructions=m.candidate_instructions,
            baseline_time_s=m.baseline_time_s,
            candidate_time_s=m.candidate_time_s,
            speedup=speedup,
            speedup_ci=(est.ci_low, est.ci_high) if est else None,
            significant=bool(est and est.significant),
            stopped_below=stopped_below,
            details={**m.details, "build_cached": build.cached},
            **common,
        )

    # -- baseline ---------------------------------------------------------------------

    def _baseline(self, source: str, tests: list[TestCase]) -> _Baseline:
        """Build and validate the baseline once per (source, tests), cached on the host."""
        with self._baseline_lock:
            return self._validated_baseline(source, tests)

    def _validated_baseline(self, source: str, tests: list[TestCase]) -> _Baseline:
        build = self.builder.build(source)
        if not build.ok:
            raise TaskError(
                f"the baseline does not compile: {build.log.strip().splitlines()[0] if build.log.strip() else 'no output'}",
                "fix the task's baseline program",
            )
        key = cache_key("baseline-v2", build.key, _tests_key(tests), repr(self.run_limits))
        if key in self._baselines:
            return self._baselines[key]
        record = self.cache.record("baseline", key)
        if record is not None:
            self._baselines[key] = _Baseline(build, list(record["test_times_s"]), list(record["digests"]))
            return self._baselines[key]
        run = run_tests(self.backend, build.binary, tests, self.run_limits, self.image)  # type: ignore[arg-type]
        failure = first_failure(run, tests, self.run_limits)
        if failure is not None:
            raise TaskError(
                f"the baseline fails its own test {failure.test}: {failure.message}",
                "check that the expected outputs belong to this program and that it fits the limits",
            )
        times = [s.wall_time_s for s in run.steps]
        self.cache.put_record("baseline", key, {"test_times_s": times, "digests": _digests(run)})
        self._baselines[key] = _Baseline(build, times, _digests(run))
        return self._baselines[key]

    def _fingerprint(self) -> dict[str, Any]:
        try:
            return fingerprint(self.builder.toolchain)
        except Exception:  # a fingerprint is informative, never a reason to fail
            return fingerprint()
