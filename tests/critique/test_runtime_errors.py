"""Crash analysis on the C++ judge's real crash verdicts, and the ASan/UBSan re-run in the sandbox."""

from __future__ import annotations

import subprocess
import sys

from critique_support import line_of
from maxcode.critique.analyzers.runtime_errors import analyze_crash, crash_facts
from maxcode.critique.analyzers.sanitizer import (
    analyze_sanitizer_report,
    find_test_input,
    rerun_with_sanitizers,
)
from maxcode.records.evaluation import Evaluation, Status


def _out_of_bounds(task_source: str) -> str:
    # The suite's program, with an index far past the end of `a` on every query.
    return task_source.replace("s += a[i];", "s += a[i + 50000000];")


def _judged(judge, task, source: str) -> Evaluation:
    return judge.evaluate(task.baseline_source, source, task.tests)


def test_segfault_named_and_located_by_asan(backend, judge, range_sum):
    source = _out_of_bounds(range_sum.baseline_source)
    evaluation = _judged(judge, range_sum, source)
    assert evaluation.status is Status.RUNTIME_ERROR
    facts = crash_facts(evaluation)
    assert facts.signal == "SIGSEGV"
    assert "SIGSEGV" in analyze_crash(evaluation)[0].summary
    report = rerun_with_sanitizers(
        backend, source, find_test_input(range_sum, evaluation.failing_test)
    )
    assert report.ran and report.kind in ("SEGV", "heap-buffer-overflow")
    assert report.line == line_of(source, "a[i + 50000000]")
    assert "a[i + 50000000]" in report.source_line
    finding = analyze_sanitizer_report(report)[0]
    assert f"main.cpp:{report.line}" in finding.summary


def test_division_by_zero_found_by_ubsan(backend, judge, range_sum):
    # Divides by (l - l): SIGFPE in the plain run, "division by zero" from UBSan.
    source = range_sum.baseline_source.replace("cout << s << endl;", "cout << s / (l - l) << endl;")
    evaluation = _judged(judge, range_sum, source)
    assert evaluation.status is Status.RUNTIME_ERROR
    assert crash_facts(evaluation).signal == "SIGFPE"
    report = rerun_with_sanitizers(
        backend, source, find_test_input(range_sum, evaluation.failing_test)
    )
    assert report.kind == "undefined-behavior" and "division by zero" in report.message
    assert report.line == line_of(source, "s / (l - l)")


def test_heap_overflow_by_one_found_by_asan(backend, range_sum):
    # Reads one element past the end: usually silent without ASan, located with it.
    source = range_sum.baseline_source.replace(
        "for (int i = l - 1; i < r; i++) s += a[i];", "for (int i = l - 1; i <= r; i++) s += a[i];"
    )
    report = rerun_with_sanitizers(backend, source, find_test_input(range_sum, "0"))
    assert report.kind == "heap-buffer-overflow"
    assert report.message.startswith("READ of size 8")
    assert report.line == line_of(source, "i <= r")
    assert "to the right of" in report.located


def test_uncaught_bad_alloc(judge, range_sum):
    source = range_sum.baseline_source.replace(
        "vector<long long> a(n);",
        "vector<long long> a(n); vector<long long> huge((size_t)1 << 60);",
    )
    evaluation = _judged(judge, range_sum, source)
    # libstdc++ throws length_error for a size past max_size() (a runtime error to the judge);
    # a bad_alloc would be the judge's memory_exceeded.
    assert evaluation.status in (Status.RUNTIME_ERROR, Status.MEMORY_EXCEEDED)
    facts = crash_facts(evaluation)
    assert facts.exception in ("std::bad_alloc", "std::length_error")
    summary = analyze_crash(evaluation)[0].summary
    assert facts.exception in summary and "Usual cause" in summary


def test_python_exception_type_and_last_frame(tmp_path):
    script = tmp_path / "candidate.py"
    script.write_text(
        "def forward(x):\n    return x.reshape(3, 7)\n\nimport torch\nforward(torch.zeros(4, 4))\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    evaluation = Evaluation.failure(
        Status.RUNTIME_ERROR, "candidate raised", runtime_log=run.stderr, error_type="RuntimeError"
    )
    facts = crash_facts(evaluation)
    assert facts.exception == "RuntimeError" and "shape" in facts.message
    assert facts.location.endswith(":2 in forward") and "reshape" in facts.code
