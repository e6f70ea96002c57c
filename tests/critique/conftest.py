"""Fixtures of the critique tests: the real local backend, the real C++ judge, pie_mini tasks.

Every Evaluation an analyzer is tested on comes from `judge` (the project's `CppJudge` on the
bubblewrap-isolated local backend): real g++ logs, real crashes, real wrong answers.
"""

from __future__ import annotations

import pytest
from critique_support import pie_task
from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Status
from maxcode.sandbox.judges.cpp import CppJudge
from maxcode.sandbox.timing.wall import WallTimer

# Correct candidates are timed for at most about a second: the critique tests need a verdict
# and a speedup, not a tight interval.
QUICK_TIMER = {"max_seconds": 1.0, "max_batch_seconds": 1.0}


@pytest.fixture(scope="session")
def backend(require_local):
    from maxcode.sandbox.backends import make_backend

    local = make_backend("local")
    yield local
    local.close()


@pytest.fixture(scope="session")
def make_judge(backend, tmp_path_factory):
    """`make_judge(**options)`: a CppJudge with the quick timer and the session's build cache."""
    cache_dir = tmp_path_factory.mktemp("judge-cache")

    def make(**options) -> CppJudge:
        return CppJudge(backend, WallTimer(**QUICK_TIMER), cache_dir=cache_dir, **options)

    return make


@pytest.fixture(scope="session")
def judge(make_judge) -> CppJudge:
    """The C++ judge with its default limits (the baseline is validated once per session)."""
    return make_judge()


@pytest.fixture
def range_sum() -> Task:
    return pie_task("pm01_range_sum")


@pytest.fixture
def compile_case(judge, range_sum):
    """The suite's program with an undeclared name, and the C++ judge's verdict on it."""
    source = range_sum.baseline_source.replace("s += a[i];", "s += b[i];")
    evaluation = judge.evaluate(range_sum.baseline_source, source, range_sum.tests)
    assert evaluation.status is Status.COMPILE_ERROR
    return range_sum, source, evaluation
