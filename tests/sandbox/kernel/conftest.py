"""Fixtures of the kernel-judge tests: real backends, a shared build cache, small budgets."""

from __future__ import annotations

import pytest
from maxcode.sandbox.judges.kernel import (
    KernelChecks,
    KernelJudge,
    KernelLimits,
    KernelTiming,
    Reverification,
)
from tests_kernel_paths import EXPLOITS, FIXTURES

# Small but real: every stage runs, with fewer trials and shorter targets than the defaults.
FAST = dict(
    correctness_trials=3, warmup_trials=2, min_trials=5, max_trials=10,
    time_target_s=0.2, run_timeout_s=60.0, threads=1,
    # Two timing processes a side (default 6): still an interval over processes, fewer starts.
    processes=2,
    # Re-verification budgets a forger 20 x target_s of work a step (5 s here).
    target_s=0.25,
)
SETTINGS = {"checks": KernelChecks, "timing": KernelTiming, "limits": KernelLimits, "reverify": Reverification}


def kernel_judge(backend, device: str = "cpu", cache_dir: str | None = None, **settings) -> KernelJudge:
    """A KernelJudge with each setting given by its field name, sent to the settings object
    that has it (`processes=4` -> KernelTiming(processes=4)); unknown names fail."""
    groups: dict[str, dict] = {group: {} for group in SETTINGS}
    for name, value in settings.items():
        owners = [g for g, cls in SETTINGS.items() if name in cls.__dataclass_fields__]
        if len(owners) != 1:
            raise TypeError(f"no single kernel-judge setting named {name!r}")
        groups[owners[0]][name] = value
    return KernelJudge(backend, device, cache_dir=cache_dir,
                       **{group: SETTINGS[group](**values) for group, values in groups.items()})


def source(name: str) -> str:
    path = FIXTURES / name if (FIXTURES / name).exists() else EXPLOITS / name
    return path.read_text()


@pytest.fixture(scope="session")
def build_cache_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("kernel_cache"))


@pytest.fixture(scope="session")
def local_backend(require_local):
    from maxcode.sandbox.backends import make_backend

    backend = make_backend("local")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def docker_backend(require_docker):
    from maxcode.sandbox.backends import make_backend

    backend = make_backend("docker")
    if not backend.image_available("kernel-cpu"):
        backend.close()
        pytest.skip("image maxcode/kernel-cpu not built (bash sandbox/images/build.sh)")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def make_judge(build_cache_dir):
    def make(backend, **overrides) -> KernelJudge:
        return kernel_judge(backend, cache_dir=build_cache_dir, **{**FAST, **overrides})

    return make
