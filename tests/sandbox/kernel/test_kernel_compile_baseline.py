"""The second baseline: the problem's Model through torch.compile, timed in the same
reference processes as the eager one, with its own interval over processes; the compiler's
cache is made by a reference process and handed only to later reference processes."""

from __future__ import annotations

import pytest
from conftest import source

from records.evaluation import Status

RELU = source("relu_problem.py")

pytestmark = pytest.mark.slow  # compiles the reference (tens of seconds on a 2-core CPU)


def test_the_answer_against_eager_and_against_torch_compile(local_backend, make_judge):
    judge = make_judge(local_backend, require_custom_kernel=False, compile_baseline=True)
    ev = judge.evaluate(RELU, source("relu_torch.py"))
    assert ev.status is Status.OK and ev.correct, ev.message
    lo, hi = ev.speedup_vs_compile_ci
    assert lo <= ev.speedup_vs_compile <= hi and lo > 0
    assert len(ev.details["compile_s"]) == ev.details["timing_processes"]
    # The first timing process compiled and packed the cache; the others started from it.
    first, *rest = ev.details["compile_s"]
    assert all(later < first for later in rest), ev.details["compile_s"]
    # The cache was kept for the next judgement of this problem: every process starts warm.
    again = judge.evaluate(RELU, source("relu_torch.py"))
    assert max(again.details["compile_s"]) < first
    # Off (the default in searches): no compile, no second figure.
    plain = make_judge(local_backend, require_custom_kernel=False).evaluate(RELU, source("relu_torch.py"))
    assert plain.speedup_vs_compile is None and "compile_s" not in plain.details
