"""Shared pieces of the backend tests: the real backends from the config, and the test
programs (each a tiny hostile or helper program, compiled once per session on the host,
statically, so the same binary runs on the host and in every image).

Imported by `tests/sandbox/test_backend_*.py` as `programs.support`.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.run_spec import Limits, RunResult, RunSpec, Step

from maxcode.config import load_config
from maxcode.judging import make_backend as make_backend_from_config

HERE = Path(__file__).resolve().parent
KINDS = ("local", "docker")
_BUILD_DIR = Path(tempfile.gettempdir()) / "maxcode-test-programs"


def backend_for(kind: str, request: pytest.FixtureRequest) -> Backend:
    """The real backend `kind`, built the way `maxcode` builds it (conf/sandbox/<kind>.yaml)."""
    request.getfixturevalue(f"require_{kind}")
    return make_backend_from_config(load_config([f"sandbox={kind}"]))


def program(name: str) -> Path:
    """The host binary of programs/<name>.c or .cpp, built once per source version."""
    source = next(p for p in (HERE / f"{name}.c", HERE / f"{name}.cpp") if p.exists())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    binary = _BUILD_DIR / f"{name}-{digest}"
    if not binary.exists():
        _BUILD_DIR.mkdir(parents=True, exist_ok=True)
        compiler = shutil.which("g++" if source.suffix == ".cpp" else "cc")
        assert compiler, "a host C/C++ compiler is needed to build the test programs"
        tmp = binary.with_suffix(".tmp")
        subprocess.run([compiler, "-O2", "-static", "-o", str(tmp), str(source)], check=True)
        tmp.replace(binary)
    return binary


def run_program(backend: Backend, name: str, args: tuple[str, ...] = (), limits: Limits | None = None,
                **spec_options: object) -> RunResult:
    """One step running programs/<name> as ./<name> in a fresh workspace."""
    step = Step(argv=[f"./{name}", *args], limits=limits or Limits(wall_time_s=5.0))
    files = {name: program(name), **spec_options.pop("files", {})}  # type: ignore[dict-item]
    return backend.run(RunSpec(steps=[step], files=files, executables=frozenset({name}), **spec_options))


def assert_healthy(backend: Backend) -> None:
    """The next run after an attack works normally."""
    result = backend.run(RunSpec(steps=[Step(argv=["sh", "-c", "echo ok; cat in.txt"], stdin="in.txt")],
                                 files={"in.txt": b"still fine\n"}))
    step = result.steps[0]
    assert step.ok, step
    assert step.stdout == b"ok\nstill fine\n"
