"""Helpers of the critique tests: a host-process backend, pie_mini tasks, real runs.

`run_test` is a real compile/run of a C++ candidate through a sandbox backend, judged the PIE way.

A stand-in for the C++ judge while it is not importable: it compiles with the judge's
flags, runs one test, and builds the `Evaluation` a judge would (status, logs, signal,
first mismatch). Every log and output in it comes from the real g++ and the real program.
"""

from __future__ import annotations

import importlib
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.task import Task
from sandbox.backends.base import Backend, Limits, RunResult, RunSpec, Step, StepResult
from sandbox.evaluation import Evaluation, Mismatch, Status, truncate
from sandbox.testcases import TestCase

REPO = Path(__file__).resolve().parents[2]
PIE_MINI = REPO / "benchmarks" / "suites" / "pie_mini"


class HostProcessBackend:
    """Runs each step as a host process in a fresh temporary directory (no isolation).

    Used only by these tests, and only when `sandbox.backends.local` is not available.
    """

    name = "host-process"

    def run(self, spec: RunSpec) -> RunResult:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="critique-test-") as tmp:
            work = Path(tmp)
            for rel, content in spec.files.items():
                dest = work / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, Path):
                    shutil.copyfile(content, dest)
                else:
                    dest.write_bytes(content)
                if rel in spec.executables:
                    dest.chmod(0o755)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": tmp,
                "LANG": "C.UTF-8",
                **spec.env,
            }
            results: list[StepResult] = []
            failed = False
            for step in spec.steps:
                if failed:
                    results.append(StepResult(label=step.label, exit_code=None, skipped=True))
                    continue
                results.append(self._run_step(step, work, env))
                failed = step.stop_on_failure and not results[-1].ok
            files = {
                rel: (work / rel).read_bytes() for rel in spec.collect if (work / rel).is_file()
            }
        return RunResult(
            steps=results,
            files=files,
            backend=self.name,
            isolation="none (test helper)",
            host_time_s=time.monotonic() - started,
        )

    def _run_step(self, step, work: Path, env: dict[str, str]) -> StepResult:
        limits = step.limits

        def set_limits() -> None:
            os.setsid()
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))

        stdin = open(work / step.stdin, "rb") if step.stdin else subprocess.DEVNULL
        stdout = open(work / step.stdout, "wb") if step.stdout else subprocess.PIPE
        begin = time.monotonic()
        proc = subprocess.Popen(
            step.argv,
            cwd=work,
            env=env,
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=set_limits,
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=limits.wall_time_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            timed_out = True
        finally:
            for handle in (stdin, stdout):
                if hasattr(handle, "close"):
                    handle.close()
        code = proc.returncode
        return StepResult(
            label=step.label,
            exit_code=code if code >= 0 else None,
            signal=-code if code < 0 else None,
            timed_out=timed_out,
            wall_time_s=time.monotonic() - begin,
            stdout=out or b"",
            stderr=(err or b"")[-65536:],
        )

    def toolchain_id(self, image: str) -> str:
        return "host"

    def close(self) -> None:
        pass


def project_local_backend():
    try:
        module = importlib.import_module("sandbox.backends.local")
    except ImportError:
        return None
    cls = getattr(module, "LocalBackend", None)
    if cls is None:
        return None
    try:
        return cls()
    except Exception:  # bwrap missing or not permitted: the test helper stands in
        return None


def pie_task(name: str) -> Task:
    """A pie_mini problem as a Task (its slow.cpp as baseline, its tests)."""
    root = PIE_MINI / name
    tests = [
        TestCase(
            name=p.name.split(".")[1],
            input_path=str(p),
            output_path=str(p.with_name(p.name.replace("input", "output"))),
        )
        for p in sorted(
            (root / "tests").glob("input.*.txt"), key=lambda p: int(p.name.split(".")[1])
        )
    ]
    return Task(
        id=f"pie_mini/{name}",
        family="cpp",
        language="cpp",
        baseline_source=(root / "slow.cpp").read_text(),
        source_path=str(root / "slow.cpp"),
        tests=tests,
    )


COMPILE = ["g++", "-std=c++17", "-O3", "main.cpp", "-o", "prog"]


def compile_only(backend: Backend, source: str) -> Evaluation | None:
    """A compile_error Evaluation with g++'s real log, or None if it compiles."""
    result = backend.run(
        RunSpec(
            steps=[Step(argv=COMPILE, limits=Limits(wall_time_s=60, memory_bytes=4 << 30))],
            files={"main.cpp": source.encode()},
        )
    )
    step = result.steps[0]
    if step.ok:
        return None
    return Evaluation.failure(
        Status.COMPILE_ERROR,
        "compilation failed",
        compile_log=truncate(step.stderr.decode(errors="replace")),
        backend=result.backend,
    )


def run_test(
    backend: Backend, task: Task, source: str, test_name: str, wall_time_s: float = 10.0
) -> Evaluation:
    """Compile, run on one test, compare like PIE (line by line, numbers within 1e-3)."""
    case = next(c for c in task.tests if c.name == test_name)
    result = backend.run(
        RunSpec(
            steps=[
                Step(
                    argv=COMPILE,
                    limits=Limits(wall_time_s=60, memory_bytes=4 << 30),
                    label="compile",
                ),
                Step(
                    argv=["./prog"],
                    stdin="input.txt",
                    stdout="out.txt",
                    limits=Limits(wall_time_s=wall_time_s),
                    label=f"test {test_name}",
                ),
            ],
            files={"main.cpp": source.encode(), "input.txt": Path(case.input_path)},
            collect=["out.txt"],
        )
    )
    build, run = result.steps
    if not build.ok:
        return Evaluation.failure(
            Status.COMPILE_ERROR,
            "compilation failed",
            compile_log=build.stderr.decode(errors="replace"),
        )
    stderr = run.stderr.decode(errors="replace")
    if run.timed_out:
        return Evaluation.failure(
            Status.TIMEOUT,
            f"test {test_name} exceeded {wall_time_s} s",
            failing_test=test_name,
            details={
                "time_limit_s": wall_time_s,
                "partial_stdout": result.files.get("out.txt", b"").decode(errors="replace"),
            },
        )
    if run.signal or run.exit_code != 0:
        details = {"signal": run.signal} if run.signal else {"exit_code": run.exit_code}
        return Evaluation.failure(
            Status.RUNTIME_ERROR,
            f"test {test_name} crashed",
            runtime_log=truncate(stderr),
            failing_test=test_name,
            details=details,
        )
    got = result.files.get("out.txt", b"").decode(errors="replace").strip().splitlines()
    expected = Path(case.output_path).read_text().strip().splitlines()
    for i in range(max(len(got), len(expected))):
        e = expected[i] if i < len(expected) else ""
        g = got[i] if i < len(got) else ""
        if not _same(e, g):
            return Evaluation.failure(
                Status.WRONG_ANSWER,
                f"test {test_name}: line {i + 1} differs",
                failing_test=test_name,
                mismatch=Mismatch(test=test_name, line=i + 1, expected=e, got=g),
            )
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
