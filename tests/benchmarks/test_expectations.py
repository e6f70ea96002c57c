"""Verdicts of `suite check`: what each label promises and what contradicts it."""

from __future__ import annotations

import pytest
from maxcode.benchmarks.expectations import BASELINE, Expectation, verdict
from maxcode.records.evaluation import Evaluation, Status

FASTER = Expectation("faster", True, "faster")
SLOWER = Expectation("slower", True, "slower")
MARGINAL = Expectation("marginal", True, "marginal")
WRONG = Expectation("wrong", False)
PARITY = Expectation("cuda", True, "parity", device="cuda")


def timed(speedup: float, low: float, high: float) -> Evaluation:
    return Evaluation(
        status=Status.OK,
        correct=True,
        speedup=speedup,
        speedup_ci=(low, high),
        significant=not (low <= 1.0 <= high),
    )


WRONG_ANSWER = Evaluation.failure(Status.WRONG_ANSWER, "line 1 differs")


@pytest.mark.parametrize(
    "expect, ev, ok",
    [
        (FASTER, timed(3.0, 2.8, 3.2), True),
        (FASTER, timed(1.02, 0.99, 1.05), False),  # not significant
        (FASTER, timed(0.5, 0.45, 0.55), False),
        (FASTER, WRONG_ANSWER, False),
        (SLOWER, timed(0.5, 0.45, 0.55), True),
        (SLOWER, timed(1.0, 0.97, 1.03), True),
        (SLOWER, timed(1.5, 1.4, 1.6), False),  # significantly faster
        (MARGINAL, timed(1.1, 1.05, 1.15), True),
        (MARGINAL, timed(0.97, 0.95, 0.99), True),  # within timer noise of the I/O-only fix
        (MARGINAL, timed(0.8, 0.75, 0.85), False),  # clearly slower
        (WRONG, WRONG_ANSWER, True),
        (WRONG, Evaluation.failure(Status.RUNTIME_ERROR, "segfault"), True),
        (WRONG, timed(2.0, 1.9, 2.1), False),  # accepted
        (WRONG, Evaluation.failure(Status.COMPILE_ERROR, "out of memory"), False),  # never ran
        (BASELINE, timed(1.0, 0.98, 1.02), True),
        (BASELINE, timed(1.01, 1.005, 1.02), True),  # "significant" but within noise
        (BASELINE, timed(1.3, 1.2, 1.4), False),
        (BASELINE, WRONG_ANSWER, False),
        (PARITY, timed(0.7, 0.6, 0.8), True),
        (PARITY, Evaluation.failure(Status.COMPILE_ERROR, "nvcc"), False),
    ],
)
def test_verdicts(expect: Expectation, ev: Evaluation, ok: bool) -> None:
    assert verdict(expect, ev).ok is ok


def test_too_few_rounds_prove_no_speed_claim() -> None:
    """With too few rounds the judge reports the observed range and claims nothing."""
    few = Evaluation(
        status=Status.OK, correct=True, speedup=3.0, speedup_ci=(2.9, 3.1), significant=False
    )
    assert not verdict(FASTER, few).ok
    assert verdict(SLOWER, few).ok
    slow_few = Evaluation(
        status=Status.OK, correct=True, speedup=0.5, speedup_ci=(0.5, 0.5), significant=False
    )
    assert verdict(MARGINAL, slow_few).ok and verdict(BASELINE, slow_few).ok


def test_a_correct_untimed_variant_cannot_prove_a_speed_claim() -> None:
    v = verdict(FASTER, Evaluation(status=Status.OK, correct=True))
    assert not v.ok and "not timed" in v.reason


def test_expectations_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="expect_speed must be one of"):
        Expectation("x", True, "quick")
    with pytest.raises(ValueError, match="no speed claim"):
        Expectation("x", False, "faster")
    assert Expectation.from_spec(
        "slow", {"device": "cpu", "expect_correct": True, "expect_speed": "slower"}
    ) == Expectation("slow", True, "slower", "cpu")
