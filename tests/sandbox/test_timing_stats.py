"""Paired speedup statistics on synthetic samples: A/A false positives, coverage, power."""

from __future__ import annotations

import numpy as np
import pytest
from maxcode.sandbox.timing.stats import (
    min_rounds,
    paired_ratios,
    paired_speedup,
    process_speedup,
    sign_test_ci,
    sign_test_rank,
)


def _simulate(rng: np.random.Generator, n: int, true_speedup: float, noise: str) -> tuple[np.ndarray, np.ndarray]:
    """Paired rounds: a shared drift per round plus independent noise on each side."""
    drift = np.exp(rng.normal(0, 0.05, n)) * np.linspace(1.0, 1.3, n)  # slow warming machine
    if noise == "lognormal":
        eb, ec = np.exp(rng.normal(0, 0.03, n)), np.exp(rng.normal(0, 0.03, n))
    else:  # heavy-tailed: occasional 2x outliers from other tenants
        eb = 1 + rng.exponential(0.02, n) + (rng.random(n) < 0.1) * rng.random(n)
        ec = 1 + rng.exponential(0.02, n) + (rng.random(n) < 0.1) * rng.random(n)
    base = 0.1 * drift * eb
    cand = 0.1 / true_speedup * drift * ec
    return base, cand


def test_sign_test_rank_matches_binomial_tables() -> None:
    # Classic sign-test table (alpha = 0.05 two-sided): n=6 -> 1, n=10 -> 2, n=20 -> 6, n=50 -> 18.
    assert [sign_test_rank(n) for n in (5, 6, 10, 20, 50)] == [0, 1, 2, 6, 18]
    assert min_rounds() == 6


def test_interval_needs_enough_rounds() -> None:
    assert sign_test_ci([1.0, 1.1, 0.9]) is None
    est = paired_speedup([1.0, 1.0, 1.0], [0.5, 0.5, 0.5])
    assert est.speedup == 2.0 and not est.significant  # 3 rounds: no claim, however clear
    assert not est.has_interval and paired_speedup([1.0] * 6, [0.5] * 6).has_interval


def test_paired_ratio_validation() -> None:
    with pytest.raises(ValueError, match="equal length"):
        paired_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        paired_ratios([1.0, 0.0], [1.0, 1.0])


@pytest.mark.parametrize("method", ["sign", "bootstrap"])
@pytest.mark.parametrize("noise", ["lognormal", "heavy"])
def test_aa_false_positive_rate_at_most_5_percent(method: str, noise: str) -> None:
    rng = np.random.default_rng(1)
    trials = 400 if method == "sign" else 150
    false_pos = 0
    for _ in range(trials):
        n = int(rng.integers(12, 60))
        b, c = _simulate(rng, n, 1.0, noise)
        false_pos += paired_speedup(b, c, method=method, seed=int(rng.integers(1 << 30))).significant
    rate = false_pos / trials
    # The sign-test interval is exact (>= 95% coverage); bootstrap is asymptotic, so allow
    # sampling error of the simulation itself (3 standard errors at p = 0.05).
    limit = 0.05 + (3 * np.sqrt(0.05 * 0.95 / trials) if method == "bootstrap" else 0.0)
    assert rate <= limit, f"A/A false-positive rate {rate:.3f} > {limit:.3f}"


def test_interval_covers_true_speedup() -> None:
    rng = np.random.default_rng(2)
    trials, covered = 400, 0
    for _ in range(trials):
        b, c = _simulate(rng, 30, 1.25, "lognormal")
        est = paired_speedup(b, c)
        covered += est.ci_low <= 1.25 <= est.ci_high
    assert covered / trials >= 0.95


@pytest.mark.parametrize(("true_speedup", "n"), [(1.10, 12), (0.90, 12), (1.05, 30)])
def test_detects_real_changes(true_speedup: float, n: int) -> None:
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(100):
        b, c = _simulate(rng, n, true_speedup, "lognormal")
        est = paired_speedup(b, c)
        hits += est.significant and (est.speedup > 1) == (true_speedup > 1)
    assert hits >= 95


def test_relative_width_shrinks_with_more_rounds() -> None:
    rng = np.random.default_rng(4)
    few = paired_speedup(*_simulate(rng, 12, 1.0, "lognormal"))
    many = paired_speedup(*_simulate(rng, 200, 1.0, "lognormal"))
    assert many.relative_width < few.relative_width
    assert many.ci_low <= many.speedup <= many.ci_high


def test_no_change_band_withholds_tiny_but_certain_differences() -> None:
    # 40 rounds all 0.5% apart: the interval excludes 1.0, yet lies inside a 1% band.
    base, cand = [1.005] * 20 + [1.006] * 20, [1.0] * 40
    assert paired_speedup(base, cand).significant
    banded = paired_speedup(base, cand, min_relative_change=0.01)
    assert banded.ci_low > 1.0 and not banded.significant
    # A 3% speedup clears the band, and so does a 3% slowdown.
    assert paired_speedup([1.03] * 40, [1.0] * 40, min_relative_change=0.01).significant
    assert paired_speedup([1.0] * 40, [1.03] * 40, min_relative_change=0.01).significant
    with pytest.raises(ValueError, match="min_relative_change"):
        paired_speedup(base, cand, min_relative_change=-0.1)


# -- process-level statistics (the kernel judge's design) ------------------------------


def _processes(rng, processes: int, trials: int, time_s: float, process_sd: float) -> list[list[float]]:
    """Each process shifts all of its calls by one lognormal factor; calls add their own noise."""
    return [list(time_s * np.exp(rng.normal(0, process_sd)) * np.exp(rng.normal(0, 0.05, trials)))
            for _ in range(processes)]


def test_process_speedup_aa_false_positives_stay_at_5_percent_despite_process_shifts():
    rng = np.random.default_rng(0)
    runs = 400
    hits = sum(process_speedup(_processes(rng, 3, 20, 1e-4, 0.1), _processes(rng, 3, 20, 1e-4, 0.1)).significant
               for _ in range(runs))
    # The t-interval is exact for normal log process medians: 5% +- 3 standard errors.
    assert hits / runs <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)


def test_an_interval_over_one_process_s_calls_would_be_overconfident():
    """Why processes, not calls, are the unit: the old per-call interval on the same data."""
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(100):
        b, c = _processes(rng, 1, 50, 1e-4, 0.1)[0], _processes(rng, 1, 50, 1e-4, 0.1)[0]
        hits += paired_speedup(b, c).significant
    assert hits > 50


def test_process_speedup_finds_a_real_speedup_and_covers_it():
    rng = np.random.default_rng(2)
    found = 0
    for _ in range(50):
        est = process_speedup(_processes(rng, 3, 20, 1.3e-4, 0.03), _processes(rng, 3, 20, 1e-4, 0.03))
        assert est.n == 3 and est.method == "process-t" and 1.15 < est.speedup < 1.45
        found += est.significant and est.ci_low <= 1.3 <= est.ci_high
    assert found >= 45


def test_process_speedup_covers_the_truth_when_one_side_varies_much_more():
    """A memory-bound reference whose processes spread widely beside a steady compute-bound
    candidate (what the kernel judge meets): the interval still covers the true ratio 95%
    of the time. A pooled-variance interval covered it ~91% of the time here."""
    rng = np.random.default_rng(3)
    runs, covered = 1000, 0
    for _ in range(runs):
        est = process_speedup(_processes(rng, 4, 10, 1e-3, 0.15), _processes(rng, 4, 10, 1e-2, 0.01))
        covered += est.ci_low <= 0.1 <= est.ci_high
    assert covered / runs >= 0.95 - 3 * np.sqrt(0.05 * 0.95 / runs)


def test_process_speedup_edge_cases():
    with pytest.raises(ValueError, match="no timing samples"):
        process_speedup([[]], [[1.0]])
    with pytest.raises(ValueError, match="positive"):
        process_speedup([[1.0], [0.0]], [[1.0], [1.0]])
    single = process_speedup([[2.0] * 8], [[1.0] * 8])
    assert single.speedup == 2.0 and not single.significant and not single.has_interval
    # Inside the no-change band: not significant however tight the interval.
    tight = process_speedup([[1.005], [1.005], [1.005]], [[1.0], [1.0], [1.0001]], min_relative_change=0.01)
    assert not tight.significant and tight.ci_low > 1.0
    assert process_speedup([[1.05], [1.05], [1.05]], [[1.0], [1.0], [1.0001]], min_relative_change=0.01).significant
