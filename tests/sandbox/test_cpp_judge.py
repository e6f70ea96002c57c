"""The C++ judge end to end through the real backends: every status, both timing modes, caches.

Everything here compiles with the real g++ in the sandbox and runs the real programs; the
only wrapper (`SpyBackend`) delegates to a real backend and records what it was asked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cpp_fixtures.support import BACKENDS, SpyBackend, candidate, make_backend, make_judge, sum_task
from maxcode.records.errors import TaskError
from maxcode.records.evaluation import Evaluation, Status
from maxcode.sandbox.timing.instructions import InstructionTimer
from maxcode.sandbox.timing.wall import WallTimer

# Status of each fixture candidate against the sum task (see each file's comment).
VERDICTS = {
    "fast.cpp": Status.OK,
    "same.cpp": Status.OK,
    "wrong.cpp": Status.WRONG_ANSWER,
    "crash.cpp": Status.RUNTIME_ERROR,
    "exit_code.cpp": Status.RUNTIME_ERROR,
    "compile_error.cpp": Status.COMPILE_ERROR,
    "infinite_loop.cpp": Status.TIMEOUT,
    "alloc_50gb.cpp": Status.MEMORY_EXCEEDED,
    "python.py.txt": Status.REJECTED,
}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest):
    request.getfixturevalue(f"require_{request.param}")
    b = make_backend(request.param)
    yield b
    b.close()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cpp-cache")


@pytest.fixture(scope="module")
def wall_judge(backend, cache_dir):
    return make_judge(backend, WallTimer(max_seconds=2.0), cache_dir, wall_time_s=3.0)


@pytest.fixture(scope="module")
def count_judge(backend, cache_dir):
    return make_judge(backend, InstructionTimer(), cache_dir, wall_time_s=3.0)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_every_status(wall_judge, name: str) -> None:
    task = sum_task()
    ev = wall_judge.evaluate(task.baseline_source, candidate(name), task.tests)
    assert ev.status is VERDICTS[name], ev.message
    assert ev.correct is (ev.status is Status.OK)
    assert ev.message
    assert ev.error_type is None  # no judge exception on any of these
    assert ev.hardware.get("cpu_model") is not None
    assert Evaluation.from_json(ev.to_json()) == ev
    if ev.status is not Status.OK:
        assert ev.speedup is None and ev.speedup_ci is None and not ev.significant
    if ev.status is Status.COMPILE_ERROR:
        assert "expected" in ev.compile_log  # g++'s own words about the missing ';'
    if ev.status is Status.WRONG_ANSWER:
        assert ev.failing_test == "1" and ev.mismatch is not None and ev.mismatch.line == 1
        assert int(ev.mismatch.got) == int(ev.mismatch.expected) + 1
    if name == "crash.cpp":
        assert "SIGSEGV" in ev.message and ev.failing_test == "1"
        assert ev.details["signal"] == "SIGSEGV"  # structured, for the critique
    if name == "exit_code.cpp":
        assert ev.details["exit_code"] != 0
    if ev.status in (Status.TIMEOUT, Status.MEMORY_EXCEEDED):
        assert ev.failing_test == "0"
    if ev.status is Status.TIMEOUT:
        assert ev.details["time_limit_s"] == 3.0 and "partial_stdout" in ev.details


def test_wall_mode_detects_a_real_speedup(wall_judge) -> None:
    task = sum_task()
    ev = wall_judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    assert ev.status is Status.OK and ev.timing_mode == "wall"
    assert ev.significant and ev.speedup > 1.1  # start-up bound on the two small tests
    lo, hi = ev.speedup_ci
    assert lo <= ev.speedup <= hi and lo > 1.0
    # The confidence sequence bounds the median from 10 rounds on (95%).
    assert len(ev.baseline_times_s) == len(ev.candidate_times_s) >= 10
    assert ev.baseline_time_s > ev.candidate_time_s > 0
    assert set(ev.details["per_input_median_s"]) == {"0", "1", "2"}
    assert ev.details["stop_reason"] in ("faster", "target_width", "max_seconds")


def test_wall_mode_same_program_is_near_one(wall_judge) -> None:
    task = sum_task()
    ev = wall_judge.evaluate(task.baseline_source, candidate("same.cpp"), task.tests)
    assert ev.status is Status.OK
    # One A/A run may be a (rare, <= 5%) false positive, but never a large effect.
    assert 0.8 < ev.speedup < 1.25


def test_instructions_mode_is_exact_and_repeatable(count_judge) -> None:
    task = sum_task()
    first = count_judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    again = count_judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    assert first.status is Status.OK and first.timing_mode == "instructions"
    assert first.baseline_instructions > first.candidate_instructions > 0
    assert (first.baseline_instructions, first.candidate_instructions) == (
        again.baseline_instructions, again.candidate_instructions,
    )
    assert first.speedup == pytest.approx(first.baseline_instructions / first.candidate_instructions)
    assert first.speedup_ci == (first.speedup, first.speedup) and first.significant
    assert first.details["counter"] in ("perf", "callgrind")


def test_instructions_mode_same_program_is_exactly_one(count_judge) -> None:
    task = sum_task()
    ev = count_judge.evaluate(task.baseline_source, candidate("same.cpp"), task.tests)
    assert ev.status is Status.OK
    assert ev.baseline_instructions == ev.candidate_instructions
    assert ev.speedup == 1.0 and not ev.significant


def test_failures_are_judged_in_instructions_mode_too(count_judge) -> None:
    task = sum_task()
    ev = count_judge.evaluate(task.baseline_source, candidate("wrong.cpp"), task.tests)
    assert ev.status is Status.WRONG_ANSWER and ev.baseline_instructions is None


def test_build_cache_hits(backend, tmp_path: Path) -> None:
    spy = SpyBackend(backend)
    judge = make_judge(spy, InstructionTimer(), tmp_path)
    task = sum_task()
    first = judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    assert first.status is Status.OK and first.details["build_cached"] is False
    assert spy.compiles() == 2  # baseline and candidate
    second = judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    assert second.status is Status.OK and second.details["build_cached"] is True
    assert spy.compiles() == 2
    # A new judge on the same cache (another worker, a later run) reuses binaries and the
    # validated baseline: only the candidate's tests and the timing run.
    spy2 = SpyBackend(backend)
    other = make_judge(spy2, InstructionTimer(), tmp_path)
    third = other.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    assert third.status is Status.OK and spy2.compiles() == 0
    test_runs = [s for s in spy2.specs if s.steps[0].argv == ["./prog"]]
    assert len(test_runs) == 1  # the candidate's; the baseline's validation came from the cache
    # Deterministic compile errors are cached too.
    judge.evaluate(task.baseline_source, candidate("compile_error.cpp"), task.tests)
    judge.evaluate(task.baseline_source, candidate("compile_error.cpp"), task.tests)
    assert spy.compiles() == 3


def test_rejected_without_compiling(backend, tmp_path: Path) -> None:
    spy = SpyBackend(backend)
    judge = make_judge(spy, WallTimer(), tmp_path)
    task = sum_task()
    for source, why in [("", "empty"), ("   \n", "empty"), ("int main() {}" + " " * 300_000, "limit"),
                        (candidate("python.py.txt"), "Python"), ("int x = 1;", "no main")]:
        ev = judge.evaluate(task.baseline_source, source, task.tests)
        assert ev.status is Status.REJECTED and why in ev.message
    assert spy.specs == []


def test_baseline_that_fails_its_tests_is_a_task_error(backend, tmp_path: Path) -> None:
    judge = make_judge(backend, WallTimer(), tmp_path)
    task = sum_task()
    with pytest.raises(TaskError, match="baseline fails its own test 1"):
        judge.evaluate(candidate("wrong.cpp"), candidate("fast.cpp"), task.tests)
    with pytest.raises(TaskError, match="baseline does not compile"):
        judge.evaluate(candidate("compile_error.cpp"), candidate("fast.cpp"), task.tests)
    with pytest.raises(TaskError, match="no test cases"):
        judge.evaluate(task.baseline_source, candidate("fast.cpp"), [])


def test_judge_exception_becomes_an_evaluation(backend, tmp_path: Path) -> None:
    # Calls: 1 baseline build, 2 baseline tests, 3 candidate build, 4 candidate tests, 5 timing.
    spy = SpyBackend(backend, fail_on_call=5)
    judge = make_judge(spy, WallTimer(), tmp_path)
    task = sum_task()
    ev = judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)
    assert ev.status is Status.RUNTIME_ERROR and not ev.correct
    assert ev.error_type == "builtins.ConnectionError"
    assert ev.details["judge_error"] is True and "sandbox vanished" in ev.message
    assert Evaluation.from_json(ev.to_json()) == ev


class _BaselineFailsWhileTimed:
    """A real backend whose first timed baseline run reads back as a crash: what a candidate
    that broke the baseline beside it would cause (the sealed runs leave it no way to, so
    the failure is planted here to test the judge's rule, not the sandbox)."""

    def __init__(self, inner) -> None:
        self.inner, self.name = inner, inner.name
        self.toolchain_id, self.close = inner.toolchain_id, inner.close

    def run(self, spec):
        result = self.inner.run(spec)
        timed = [i for i, s in enumerate(spec.steps) if s.discard_stdout and s.label.startswith("baseline/")]
        if timed:
            result.steps[timed[0]].exit_code = 3
        return result


def test_a_baseline_failing_only_beside_a_candidate_is_the_candidates_failure(backend, tmp_path: Path) -> None:
    judge = make_judge(_BaselineFailsWhileTimed(backend), WallTimer(max_seconds=1.0), tmp_path)
    task = sum_task()
    ev = judge.evaluate(task.baseline_source, candidate("fast.cpp"), task.tests)  # no TaskError
    assert ev.status is Status.RUNTIME_ERROR and ev.details["baseline_failed_beside_candidate"], ev.message
    assert "passes alone" in ev.message


# Correct by PIE's rule on every run (trailing spaces do not count), but never the same bytes
# twice: a baseline whose timed runs cannot match its checked one, alone or beside anything.
_JITTERY_BASELINE = r"""
#include <cstdio>
#include <ctime>
#include <unistd.h>
int main() {
    int n; if (scanf("%d", &n) != 1) return 1;
    long long s = 0, x; for (int i = 0; i < n; i++) { scanf("%lld", &x); s += x; }
    timespec t; clock_gettime(CLOCK_REALTIME, &t);
    printf("%lld%*s\n", s, (int)((t.tv_nsec / 1000 + getpid()) % 7), "");
    return 0;
}
"""


def test_a_baseline_whose_output_changes_from_run_to_run_is_a_task_error(backend, tmp_path: Path) -> None:
    judge = make_judge(backend, WallTimer(max_seconds=1.0), tmp_path)
    task = sum_task()
    with pytest.raises(TaskError, match="again when run alone"):
        judge.evaluate(_JITTERY_BASELINE, candidate("fast.cpp"), task.tests)


def test_a_candidate_whose_timed_output_differs_from_its_checked_one_is_wrong(backend, tmp_path: Path) -> None:
    judge = make_judge(backend, WallTimer(max_seconds=1.0), tmp_path)
    task = sum_task()
    ev = judge.evaluate(task.baseline_source, _JITTERY_BASELINE, task.tests)
    assert ev.status is Status.WRONG_ANSWER and ev.details["output_changed_while_timed"], ev.message
