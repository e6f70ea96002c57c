"""The stopping rule keeps its error rate under peeking; naive peeking at a fixed-n interval does not.

Simulated judgements (no sandbox): per-round ratios drawn from a known distribution, looked
at after every batch exactly as `WallTimer` looks at them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from maxcode.sandbox.timing import sequential
from maxcode.sandbox.timing.sequential import (
    ProcessLooks,
    SequentialMedian,
    boundary,
    median_sequence_ci,
)
from maxcode.sandbox.timing.stats import paired_speedup, process_speedup

BATCH = 4
MAX_ROUNDS = 200


def _peek_fixed_n(ratios: np.ndarray) -> bool:
    """Naive peeking: the fixed-n sign-test interval after every batch, stop when significant."""
    for t in range(BATCH * 3, len(ratios) + 1, BATCH):
        est = paired_speedup(ratios[:t], np.ones(t))
        if est.significant:
            return True
    return False


def _peek_sequence(ratios: np.ndarray, **options) -> tuple[str | None, SequentialMedian]:
    rule = SequentialMedian(**options)
    for t in range(BATCH, len(ratios) + 1, BATCH):
        decision = rule.look(ratios[:t])
        if decision is not None:
            return decision, rule
    return None, rule


def test_naive_peeking_inflates_false_positives_and_the_sequence_does_not() -> None:
    rng = np.random.default_rng(0)
    runs = 1000
    naive = sequence = 0
    for _ in range(runs):
        # A/A: identical programs, so the ratio's median is exactly 1 (log-normal noise, 5%).
        ratios = np.exp(rng.normal(0.0, 0.05, MAX_ROUNDS))
        naive += _peek_fixed_n(ratios)
        decision, _ = _peek_sequence(ratios)
        sequence += decision in (sequential.FASTER, sequential.SLOWER)
    # Each fixed-n look is a 5% test; fifty of them are not.
    assert naive / runs > 0.15
    assert sequence / runs <= 0.05


def test_the_interval_covers_the_truth_at_the_data_dependent_stop() -> None:
    rng = np.random.default_rng(1)
    runs, missed = 400, 0
    for _ in range(runs):
        ratios = 1.3 * np.exp(rng.standard_t(3, MAX_ROUNDS) * 0.1)  # heavy tails, median 1.3
        _, rule = _peek_sequence(ratios, min_relative_change=0.01)
        missed += not (rule.low <= 1.3 <= rule.high)
    assert missed / runs <= 0.05


def test_clear_speedups_decide_within_a_few_rounds() -> None:
    rng = np.random.default_rng(2)
    for true, want in ((2.0, sequential.FASTER), (0.5, sequential.SLOWER)):
        rounds = []
        for _ in range(50):
            ratios = true * np.exp(rng.normal(0.0, 0.1, MAX_ROUNDS))
            rule = SequentialMedian(min_relative_change=0.01)
            for t in range(2, MAX_ROUNDS + 1, 2):
                if rule.look(ratios[:t]) is not None:
                    break
            assert rule.decision() == want
            rounds.append(t)
        # 10 rounds give the first bounded interval at 95%.
        assert max(rounds) <= 12


def test_a_small_true_speedup_is_still_found() -> None:
    rng = np.random.default_rng(3)
    found = 0
    for _ in range(100):
        ratios = 1.05 * np.exp(rng.normal(0.0, 0.03, 400))
        decision, _ = _peek_sequence(ratios, min_relative_change=0.01)
        found += decision == sequential.FASTER
    assert found >= 95


def test_identical_work_settles_as_no_change_when_precise_enough() -> None:
    rng = np.random.default_rng(4)
    ratios = np.exp(rng.normal(0.0, 0.002, 400))
    decision, rule = _peek_sequence(ratios, min_relative_change=0.01)
    assert decision == sequential.NO_CHANGE and rule.high - rule.low <= 0.02


def test_a_candidate_below_the_incumbent_stops_early() -> None:
    rng = np.random.default_rng(5)
    ratios = 1.5 * np.exp(rng.normal(0.0, 0.05, MAX_ROUNDS))
    raced, rule = _peek_sequence(ratios, min_relative_change=0.01, incumbent=3.0)
    # 1.5x is significantly faster than the baseline, and that alone decides first; with the
    # incumbent's bound above its whole interval a 1.5x is also known not to be the answer.
    assert raced in (sequential.FASTER, sequential.BELOW_INCUMBENT) and rule.high < 3.0
    near_one = np.exp(rng.normal(0.0, 0.05, MAX_ROUNDS))
    raced, rule = _peek_sequence(near_one, min_relative_change=0.01, incumbent=2.0)
    assert raced == sequential.BELOW_INCUMBENT and rule.looks <= 4


def test_boundary_and_interval_shapes() -> None:
    # The boundary grows slower than t/2, so every side is eventually bounded.
    assert boundary(10_000) < 10_000 / 2 * 0.1
    lo, hi = median_sequence_ci([1.0, 2.0, 3.0])
    assert lo == -math.inf and hi == math.inf  # three rounds bound nothing at 95%
    values = np.linspace(0.9, 1.1, 101)
    lo, hi = median_sequence_ci(values)
    assert 0.9 < lo < 1.0 < hi < 1.1
    # Wider than the fixed-n sign interval of the same data: the price of peeking freely.
    fixed = paired_speedup(values, np.ones(len(values)))
    assert lo < fixed.ci_low and hi > fixed.ci_high


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_first_bounded_round_grows_with_confidence(confidence) -> None:
    first = next(t for t in range(1, 200)
                 if all(map(math.isfinite, median_sequence_ci(np.arange(t) + 1.0, confidence))))
    assert 5 <= first <= 20


# ---------------------------------------------------------------- the kernel judge's looks


def _process_sides(rng, k: int, sd_base: float, sd_cand: float, speedup: float = 1.0):
    """Per-process timings of both sides (one call each: the judge takes process medians)."""
    base = [[float(np.exp(rng.normal(0.0, sd_base)))] for _ in range(k)]
    cand = [[float(np.exp(rng.normal(-math.log(speedup), sd_cand)))] for _ in range(k)]
    return base, cand


def _first_decision(rule: ProcessLooks, base, cand) -> tuple[str | None, int]:
    for k in range(1, len(base) + 1):
        if rule.due(k):
            decision = rule.look(base[:k], cand[:k])
            if decision is not None:
                return decision, k
    return None, len(base)


def test_process_looks_keep_the_false_positive_rate_where_naive_peeking_does_not() -> None:
    """A/A over processes, sides as unequal in spread as a memory-bound reference against a
    compute-bound candidate: a fixed-n 95% interval looked at after every process claims a
    change far more often than 5%; the looks, alpha spent over them, do not."""
    rng = np.random.default_rng(2)
    runs, cap = 2000, 8
    naive = spent = 0
    for _ in range(runs):
        base, cand = _process_sides(rng, cap, 0.10, 0.03)
        naive += any(process_speedup(base[:k], cand[:k]).significant for k in range(2, cap + 1))
        decision, _ = _first_decision(ProcessLooks(cap, first=2), base, cand)
        spent += decision in (sequential.FASTER, sequential.SLOWER)
    assert naive / runs > 0.10
    assert spent / runs <= 0.05


def test_process_looks_stop_clear_cases_early_and_run_close_calls_to_the_cap() -> None:
    rng = np.random.default_rng(3)
    stops = {2.0: [], 1.0: []}
    for speedup in stops:
        for _ in range(300):
            base, cand = _process_sides(rng, 8, 0.05, 0.05, speedup)
            decision, k = _first_decision(ProcessLooks(8, min_relative_change=0.01), base, cand)
            stops[speedup].append((decision, k))
    assert all(d == sequential.FASTER for d, _ in stops[2.0])
    assert np.mean([k == 4 for _, k in stops[2.0]]) > 0.95  # at the first look, of 8
    assert np.mean([k == 8 for _, k in stops[1.0]]) > 0.9


def test_process_looks_plan_and_incumbent() -> None:
    assert ProcessLooks(6).at == [4, 6] and ProcessLooks(7).at == [4, 6, 7] and ProcessLooks(2).at == [2]
    assert ProcessLooks(6, first=2).at == [2, 4, 6]
    # Two looks: each at 1 - 0.05/2, so both intervals hold at once with >= 95%.
    assert ProcessLooks(6).look_confidence == pytest.approx(1 - 0.05 / 2)
    rule = ProcessLooks(6, first=2, incumbent=3.0)
    base, cand = [[1.0], [1.01]], [[1.0], [0.99]]
    assert rule.look(base, cand) == sequential.BELOW_INCUMBENT and rule.estimate.ci_high < 3.0
    with pytest.raises(ValueError):
        ProcessLooks(0)
