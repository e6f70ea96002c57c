"""Fixtures for the critique tests: a real sandbox backend and real pie_mini tasks.

`backend` is the project's local backend when it is importable; until it lands, a minimal
host-process backend (below) runs the same `RunSpec`s as real processes in a temporary
workspace, so the analyzers are always exercised on real compiler, sanitizer and valgrind
output.
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

import pytest

from benchmarks.task import Task
from sandbox.backends.base import RunResult, RunSpec, StepResult
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
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "LANG": "C.UTF-8", **spec.env}
            results: list[StepResult] = []
            failed = False
            for step in spec.steps:
                if failed:
                    results.append(StepResult(label=step.label, exit_code=None, skipped=True))
                    continue
                results.append(self._run_step(step, work, env))
                failed = step.stop_on_failure and not results[-1].ok
            files = {rel: (work / rel).read_bytes() for rel in spec.collect if (work / rel).is_file()}
        return RunResult(steps=results, files=files, backend=self.name, isolation="none (test helper)", host_time_s=time.monotonic() - started)

    def _run_step(self, step, work: Path, env: dict[str, str]) -> StepResult:
        limits = step.limits

        def set_limits() -> None:
            os.setsid()
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))

        stdin = open(work / step.stdin, "rb") if step.stdin else subprocess.DEVNULL
        stdout = open(work / step.stdout, "wb") if step.stdout else subprocess.PIPE
        begin = time.monotonic()
        proc = subprocess.Popen(step.argv, cwd=work, env=env, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, preexec_fn=set_limits)
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


def _project_local_backend():
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


@pytest.fixture(scope="session")
def backend():
    chosen = _project_local_backend() or HostProcessBackend()
    yield chosen
    chosen.close()


def pie_task(name: str) -> Task:
    """A pie_mini problem as a Task (its slow.cpp as baseline, its tests)."""
    root = PIE_MINI / name
    tests = [
        TestCase(name=p.name.split(".")[1], input_path=str(p), output_path=str(p.with_name(p.name.replace("input", "output"))))
        for p in sorted((root / "tests").glob("input.*.txt"), key=lambda p: int(p.name.split(".")[1]))
    ]
    return Task(id=f"pie_mini/{name}", family="cpp", language="cpp", baseline_source=(root / "slow.cpp").read_text(), source_path=str(root / "slow.cpp"), tests=tests)


@pytest.fixture
def range_sum() -> Task:
    return pie_task("pm01_range_sum")
