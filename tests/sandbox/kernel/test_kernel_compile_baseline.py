"""The second baseline: the problem's Model through torch.compile, timed in the same
reference processes as the eager one, with its own interval over processes; the compiler's
cache is made by a reference process and handed only to later reference processes."""

from __future__ import annotations

import pytest
from conftest import source
from maxcode.records.evaluation import Status

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


def test_a_new_judge_with_the_same_cache_dir_starts_from_the_stored_compile_cache(local_backend, tmp_path,
                                                                                  monkeypatch):
    """A second `maxcode eval` of a problem is a new judge: the compiler's cache that the first
    one's reference packed is kept on disk (per problem, toolchain, torch and device) and every
    reference process of the second starts from it."""
    from conftest import FAST, kernel_judge

    def judge():
        return kernel_judge(local_backend, cache_dir=str(tmp_path), **{**FAST, "require_custom_kernel": False,
                                                                     "compile_baseline": True})

    first = judge().evaluate(RELU, source("relu_torch.py"))
    assert first.status is Status.OK, first.message
    stored = list((tmp_path / "compiled_references").glob("*.tar"))
    assert len(stored) == 1 and stored[0].stat().st_size > 0
    handed = []
    run = local_backend.run

    def spy(spec):
        handed.append(spec.files.get("inductor.tar") == stored[0].read_bytes())
        return run(spec)

    monkeypatch.setattr(local_backend, "run", spy)
    again = judge().evaluate(RELU, source("relu_torch.py"))
    assert again.status is Status.OK, again.message
    # Correctness runs have no compile; every timing reference run got the stored cache.
    assert sum(handed) == again.details["timing_processes"], handed
    assert max(again.details["compile_s"]) < first.details["compile_s"][0]
