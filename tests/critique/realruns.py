"""Real compile/run of a C++ candidate through a sandbox backend, judged the PIE way.

A stand-in for the C++ judge while it is not importable: it compiles with the judge's
flags, runs one test, and builds the `Evaluation` a judge would (status, logs, signal,
first mismatch). Every log and output in it comes from the real g++ and the real program.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.task import Task
from sandbox.backends.base import Backend, Limits, RunSpec, Step
from sandbox.evaluation import Evaluation, Mismatch, Status, truncate

COMPILE = ["g++", "-std=c++17", "-O3", "main.cpp", "-o", "prog"]


def compile_only(backend: Backend, source: str) -> Evaluation | None:
    """A compile_error Evaluation with g++'s real log, or None if it compiles."""
    result = backend.run(RunSpec(steps=[Step(argv=COMPILE, limits=Limits(wall_time_s=60, memory_bytes=4 << 30))], files={"main.cpp": source.encode()}))
    step = result.steps[0]
    if step.ok:
        return None
    return Evaluation.failure(Status.COMPILE_ERROR, "compilation failed", compile_log=truncate(step.stderr.decode(errors="replace")), backend=result.backend)


def run_test(backend: Backend, task: Task, source: str, test_name: str, wall_time_s: float = 10.0) -> Evaluation:
    """Compile, run on one test, compare like PIE (line by line, numbers within 1e-3)."""
    case = next(c for c in task.tests if c.name == test_name)
    result = backend.run(
        RunSpec(
            steps=[
                Step(argv=COMPILE, limits=Limits(wall_time_s=60, memory_bytes=4 << 30), label="compile"),
                Step(argv=["./prog"], stdin="input.txt", stdout="out.txt", limits=Limits(wall_time_s=wall_time_s), label=f"test {test_name}"),
            ],
            files={"main.cpp": source.encode(), "input.txt": Path(case.input_path)},
            collect=["out.txt"],
        )
    )
    build, run = result.steps
    if not build.ok:
        return Evaluation.failure(Status.COMPILE_ERROR, "compilation failed", compile_log=build.stderr.decode(errors="replace"))
    stderr = run.stderr.decode(errors="replace")
    if run.timed_out:
        return Evaluation.failure(Status.TIMEOUT, f"test {test_name} exceeded {wall_time_s} s", failing_test=test_name, details={"time_limit_s": wall_time_s, "partial_stdout": result.files.get("out.txt", b"").decode(errors="replace")})
    if run.signal or run.exit_code != 0:
        details = {"signal": run.signal} if run.signal else {"exit_code": run.exit_code}
        return Evaluation.failure(Status.RUNTIME_ERROR, f"test {test_name} crashed", runtime_log=truncate(stderr), failing_test=test_name, details=details)
    got = result.files.get("out.txt", b"").decode(errors="replace").strip().splitlines()
    expected = Path(case.output_path).read_text().strip().splitlines()
    for i in range(max(len(got), len(expected))):
        e = expected[i] if i < len(expected) else ""
        g = got[i] if i < len(got) else ""
        if not _same(e, g):
            return Evaluation.failure(Status.WRONG_ANSWER, f"test {test_name}: line {i + 1} differs", failing_test=test_name, mismatch=Mismatch(test=test_name, line=i + 1, expected=e, got=g))
    return Evaluation(status=Status.OK, correct=True, message="correct")


def _same(expected: str, got: str) -> bool:
    if expected.strip() == got.strip():
        return True
    try:
        return abs(float(expected) - float(got)) <= 1e-3
    except ValueError:
        return False


def line_of(source: str, fragment: str) -> int:
    """1-based line of the first line containing `fragment` (how tests locate the bug)."""
    return next(i for i, line in enumerate(source.splitlines(), 1) if fragment in line)
