"""Fixtures of the kernel-judge tests: real backends, a shared build cache, small budgets."""

from __future__ import annotations

import pytest
from tests_kernel_paths import EXPLOITS, FIXTURES

from sandbox.judges.kernel import KernelJudge

# Small but real: every stage runs, with fewer trials and shorter targets than the defaults.
FAST = dict(
    device="cpu", correctness_trials=3, warmup_trials=2, min_trials=5, max_trials=10,
    time_target_s=0.2, reverify_target_s=0.25, run_timeout_s=60.0, threads=1,
    # Two timing processes a side (default 4): still an interval over processes, fewer starts.
    # Re-verification budgets a forger 20 x reverify_target_s of work a step (5 s here).
    timing_processes=2,
)


def source(name: str) -> str:
    path = FIXTURES / name if (FIXTURES / name).exists() else EXPLOITS / name
    return path.read_text()


@pytest.fixture(scope="session")
def build_cache_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("kernel_cache"))


@pytest.fixture(scope="session")
def local_backend(require_local):
    from sandbox.backends import make_backend

    backend = make_backend("local")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def docker_backend(require_docker):
    from sandbox.backends import make_backend

    backend = make_backend("docker")
    if not backend.image_available("kernel-cpu"):
        backend.close()
        pytest.skip("image maxcode/kernel-cpu not built (bash sandbox/images/build.sh)")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def make_judge(build_cache_dir):
    def make(backend, **overrides) -> KernelJudge:
        return KernelJudge(backend, cache_dir=build_cache_dir, **{**FAST, **overrides})

    return make
