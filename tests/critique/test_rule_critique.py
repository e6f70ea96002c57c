"""RuleCritique end to end: the C++ judge's real verdicts on pie_mini candidates, diagnosed."""

from __future__ import annotations

import pytest
from critique_support import PIE_MINI, line_of, pie_task
from maxcode.benchmarks.task import Task
from maxcode.critique.base import CritiqueContext
from maxcode.critique.rules import RuleCritique
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Status
from maxcode.sandbox.judges.kernel.judge import KernelJudge


@pytest.fixture
def task(range_sum):
    """The problem whose candidates these tests judge: pie_mini's range sums."""
    return range_sum


def _diagnose(
    critique: RuleCritique, task, judge, source: str, context=None
) -> tuple[Diagnosis, object]:
    evaluation = judge.evaluate(task.baseline_source, source, task.tests)
    return critique.diagnose(task, source, evaluation, context), evaluation


def test_compile_error_diagnosis(backend, judge, task):
    source = task.baseline_source.replace("long long s = 0;", "long long s = 0").replace(
        "s += a[i];", "s += a[i] * scale;"
    )
    diagnosis, evaluation = _diagnose(RuleCritique(backend), task, judge, source)
    assert evaluation.status is Status.COMPILE_ERROR
    assert diagnosis.tags["failure_class"] == "compile_error" and diagnosis.source == "rules"
    lines = [f.data.get("line") for f in diagnosis.findings]
    assert (
        line_of(source, "long long s = 0") in lines
        or line_of(source, "long long s = 0") + 1 in lines
    )
    assert diagnosis.suggestions and "line" in diagnosis.suggestions[0]
    assert Diagnosis.from_dict(diagnosis.to_dict()) == diagnosis  # stored on nodes as JSON


def test_crash_diagnosis_locates_fault_with_sanitizers(backend, judge, task):
    source = task.baseline_source.replace("s += a[i];", "s += a[i + 50000000];")
    diagnosis, evaluation = _diagnose(RuleCritique(backend), task, judge, source)
    assert evaluation.status is Status.RUNTIME_ERROR
    assert diagnosis.tags["crash"] == "SIGSEGV"
    assert diagnosis.tags["fault_line"] == line_of(source, "a[i + 50000000]")
    assert "a[i + 50000000]" in diagnosis.text


def test_crash_without_backend_still_names_the_signal(judge, task):
    source = task.baseline_source.replace("s += a[i];", "s += a[i + 50000000];")
    diagnosis, _ = _diagnose(RuleCritique(backend=None), task, judge, source)
    assert diagnosis.tags["crash"] == "SIGSEGV" and "fault" not in diagnosis.tags


def test_wrong_answer_diagnosis(backend, judge, task):
    source = (PIE_MINI / "pm01_range_sum" / "variants" / "wrong.cpp").read_text()
    diagnosis, evaluation = _diagnose(RuleCritique(backend), task, judge, source)
    assert evaluation.status is Status.WRONG_ANSWER
    assert evaluation.mismatch.test in diagnosis.text
    assert any("32" in s for s in diagnosis.suggestions)


def _slow_correct(backend, judge, profile: bool):
    # Without the largest test (2.5 s per run of `slower`) to keep the suite quick; test 4
    # is still large enough for the summation loop to dominate the profile.
    task = pie_task("pm01_range_sum")
    task.tests = [c for c in task.tests if c.name != "5"]
    faster = (PIE_MINI / "pm01_range_sum" / "variants" / "faster.cpp").read_text()
    best = judge.evaluate(task.baseline_source, faster, task.tests)
    context = CritiqueContext(best_speedup=best.speedup, best_speedup_ci=best.speedup_ci)
    source = (PIE_MINI / "pm01_range_sum" / "variants" / "slower.cpp").read_text()
    critique = RuleCritique(backend, profile_correct=profile, profile_timeout_s=4.0)
    diagnosis, evaluation = _diagnose(critique, task, judge, source, context)
    assert evaluation.status is Status.OK and evaluation.speedup is not None
    speed = next(f for f in diagnosis.findings if f.analyzer == "performance")
    assert (
        speed.data["speedup"] == evaluation.speedup and speed.data["best_speedup"] == best.speedup
    )
    if evaluation.significant:
        assert diagnosis.tags["speed"] == "slower"
    else:  # not significant: the text must not claim a verdict
        assert diagnosis.tags["speed"] == "no_change"
        lo, hi = evaluation.speedup_ci
        if hi < 1:  # the observed range, with too few rounds for an interval
            assert "not proven" in speed.summary
    return diagnosis, source


def test_slow_correct_diagnosis_has_speed_vs_baseline_and_best(backend, judge):
    diagnosis, _ = _slow_correct(backend, judge, profile=False)
    assert not any(f.analyzer == "profile" for f in diagnosis.findings)


@pytest.mark.slow
def test_slow_correct_diagnosis_has_hot_line_and_container_bottleneck(backend, judge):
    diagnosis, source = _slow_correct(backend, judge, profile=True)
    profile = next(f for f in diagnosis.findings if f.analyzer == "profile")
    assert profile.data["hot_lines"][0]["line"] == line_of(source, "s += a[i]")
    # slower.cpp indexes a std::deque: its inlined operator[] is where the instructions go.
    assert diagnosis.tags["bottleneck"] == "container"
    assert any("stl_deque.h" in s for s in diagnosis.suggestions)


@pytest.mark.slow
def test_kernel_compile_error_through_kernel_judge(backend, tmp_path):
    """load_inline's ninja log, as the kernel judge records it, diagnosed to the kernel line."""
    suite = PIE_MINI.parent / "kernelbench_cpu"
    problem = (suite / "level1" / "1_ReLU.py").read_text()
    source = (
        (suite / "variants" / "level1" / "1_ReLU" / "slow.py")
        .read_text()
        .replace("o[r][c] = 0.0f;", "o[r][c] = zero_value;")
    )
    task = Task(
        id="kernelbench_cpu/1_ReLU", family="kernel", language="python", baseline_source=problem
    )
    evaluation = KernelJudge(backend, device="cpu", cache_dir=str(tmp_path)).evaluate(
        problem, source
    )
    assert evaluation.status is Status.COMPILE_ERROR
    diagnosis = RuleCritique(backend).diagnose(task, source, evaluation)
    first = diagnosis.findings[0]
    assert (
        "zero_value" in first.data["message"]
        and first.data["source_line"] == "o[r][c] = zero_value;"
    )
