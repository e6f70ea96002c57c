"""Fixtures for the critique tests: a real sandbox backend and real pie_mini tasks.

`backend` is the project's local backend when it is importable; until it lands, the
host-process backend of `realruns` runs the same `RunSpec`s as real processes, so the
analyzers are always exercised on real compiler, sanitizer and valgrind output.
"""

from __future__ import annotations

import pytest
from realruns import HostProcessBackend, pie_task, project_local_backend

from benchmarks.task import Task


@pytest.fixture(scope="session")
def backend():
    chosen = project_local_backend() or HostProcessBackend()
    yield chosen
    chosen.close()


@pytest.fixture
def range_sum() -> Task:
    return pie_task("pm01_range_sum")
