"""The compile-error analyzer on real g++ diagnostics (as the C++ judge records them) and nvcc's."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from critique_support import line_of
from maxcode.critique.analyzers.compile_errors import (
    MAX_ERRORS,
    analyze_compile_log,
    parse_compile_log,
)
from maxcode.records.evaluation import Status


def compile_log(judge, task, source: str) -> str:
    """g++'s log as the judge records it for a candidate that does not build."""
    evaluation = judge.evaluate(task.baseline_source, source, task.tests)
    assert evaluation.status is Status.COMPILE_ERROR, evaluation.message
    return evaluation.compile_log


def test_gcc_errors_located_with_source_line(judge, range_sum):
    # Two bugs introduced into the suite's own program: a missing ';' and an undeclared name.
    source = range_sum.baseline_source.replace("cin >> n >> q;", "cin >> n >> q").replace(
        "s += a[i];", "s += b[i];"
    )
    log = compile_log(judge, range_sum, source)
    errors, total = parse_compile_log(log, source)
    assert total >= 2
    by_message = {e.message: e for e in errors}
    undeclared = next(e for m, e in by_message.items() if "‘b’" in m or "'b'" in m)
    assert undeclared.line == line_of(source, "s += b[i];")
    assert "s += b[i]" in undeclared.source_line
    assert undeclared.column is not None and undeclared.function.startswith("int main")
    missing_semicolon = next(e for e in errors if "expected" in e.message)
    # gcc reports a missing ';' on the line where the statement ends or the next one.
    assert missing_semicolon.line in (
        line_of(source, "cin >> n >> q"),
        line_of(source, "cin >> n >> q") + 1,
    )
    findings = analyze_compile_log(log, source)
    assert any(f"main.cpp:{undeclared.line}" in f.summary for f in findings)
    if missing_semicolon.line != line_of(source, "cin >> n >> q"):  # reported on the next line
        assert any("`cin >> n >> q` is probably the one missing it" in f.summary for f in findings)


def test_many_errors_are_capped_and_counted(judge, range_sum):
    # Five different undeclared names on five lines: five distinct errors, three shown.
    lines = range_sum.baseline_source.splitlines()
    body = lines.index("int main() {") + 1
    broken = lines[:body] + [f"    int v{i} = missing_{i};" for i in range(5)] + lines[body:]
    source = "\n".join(broken)
    log = compile_log(judge, range_sum, source)
    errors, total = parse_compile_log(log, source)
    assert total == 5 and len(errors) == MAX_ERRORS
    assert [e.line for e in errors] == [line_of(source, f"missing_{i}") for i in range(MAX_ERRORS)]
    findings = analyze_compile_log(log, source)
    assert "2 more distinct error(s)" in findings[-1].summary


def test_duplicate_diagnostics_are_merged(judge, range_sum):
    # The same log twice (as a retried build prints it) yields each error once.
    source = range_sum.baseline_source.replace("s += a[i];", "s += b[i];")
    log = compile_log(judge, range_sum, source)
    once, total_once = parse_compile_log(log, source)
    twice, total_twice = parse_compile_log(log + "\n" + log, source)
    assert total_once == total_twice and [e.message for e in once] == [e.message for e in twice]


def test_linker_error(judge, range_sum):
    source = "int helper();\nint main() { return helper(); }\n"
    findings = analyze_compile_log(compile_log(judge, range_sum, source), source)
    assert "undefined reference" in findings[0].summary and "helper()" in findings[0].summary


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not installed")
def test_nvcc_error(tmp_path):
    source = "__global__ void k(float* x) {\n    x[threadIdx.x] = not_declared;\n}\n"
    (tmp_path / "k.cu").write_text(source)
    log = subprocess.run(
        ["nvcc", "-c", "k.cu", "-o", "k.o"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors, _ = parse_compile_log(log.stdout + log.stderr, source)
    assert errors[0].line == 2 and "not_declared" in errors[0].message
    assert "not_declared" in errors[0].source_line


@pytest.mark.slow
def test_load_inline_ninja_log(tmp_path):
    """torch's load_inline wraps g++ in ninja and raises with the whole build log."""
    from torch.utils.cpp_extension import load_inline

    cpp = "#include <torch/extension.h>\ntorch::Tensor twice(torch::Tensor x) {\n    return x * undefined_factor;\n}\n"
    with pytest.raises(RuntimeError) as info:
        load_inline(
            name="critique_bad_ext",
            cpp_sources=[cpp],
            functions=["twice"],
            build_directory=str(tmp_path),
            verbose=False,
        )
    log = str(info.value)
    errors, _ = parse_compile_log(log, cpp)
    assert errors and "undefined_factor" in errors[0].message
    assert "x * undefined_factor" in errors[0].source_line
