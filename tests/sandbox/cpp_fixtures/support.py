"""Shared pieces of the C++ judge tests: real backends from the config, judges, fixtures.

Imported by the `tests/sandbox/test_cpp_*.py` modules as `cpp_fixtures.support`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from maxcode.benchmarks.loaders.single_file import load_cpp_task
from maxcode.benchmarks.task import Task
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.judges.cpp import CppJudge
from maxcode.sandbox.run_spec import RunResult, RunSpec

from maxcode.config import CONF_DIR, load_config
from maxcode.judging import make_backend as make_backend_from_config
from maxcode.selfbench.exploits.catalogue import SUM_TASK as EXPLOIT_SUM_TASK

FIXTURES = Path(__file__).resolve().parent
CANDIDATES = FIXTURES / "candidates"
# The fixture task lives with the exploit corpus, whose honest work is its baseline's.
SUM_TASK = EXPLOIT_SUM_TASK.parent
BACKENDS = ("local", "docker")


def make_backend(kind: str) -> Backend:
    """The real backend `kind`, built the way `maxcode` builds it (conf/sandbox/<kind>.yaml)."""
    if not (CONF_DIR / "sandbox" / f"{kind}.yaml").is_file():
        pytest.skip(f"sandbox backend {kind!r} is not configured (conf/sandbox/{kind}.yaml missing)")
    return make_backend_from_config(load_config([f"sandbox={kind}"]))


def candidate(name: str) -> str:
    return (CANDIDATES / name).read_text()


def template(name: str, **values: str) -> str:
    text = (CANDIDATES / f"{name}.in").read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    assert "@" not in text.replace("@@", ""), f"unfilled placeholder in {name}"
    return text


def sum_task(copy_to: Path | None = None) -> Task:
    """The fixture task; copied first when a test may have its files attacked."""
    root = SUM_TASK
    if copy_to is not None:
        root = copy_to / "sum_task"
        shutil.copytree(SUM_TASK, root)
    return load_cpp_task(root / "baseline.cpp")


def make_judge(backend: Backend, timing: object, cache_dir: Path, wall_time_s: float = 5.0) -> CppJudge:
    return CppJudge(backend, timing, cache_dir=cache_dir, run_limits={"wall_time_s": wall_time_s})


class SpyBackend:
    """Delegates to a real backend and records every spec (to count compiles, cache hits)."""

    def __init__(self, inner: Backend, fail_on_call: int | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.specs: list[RunSpec] = []
        self.fail_on_call = fail_on_call

    def run(self, spec: RunSpec) -> RunResult:
        self.specs.append(spec)
        if self.fail_on_call is not None and len(self.specs) == self.fail_on_call:
            raise ConnectionError("sandbox vanished mid-run")
        return self.inner.run(spec)

    def compiles(self) -> int:
        return sum(1 for s in self.specs for step in s.steps if step.label == "compile")

    def toolchain_id(self, image: str) -> str:
        return self.inner.toolchain_id(image)

    def close(self) -> None:
        pass
