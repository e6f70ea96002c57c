"""Paired speedup statistics for interleaved A/B timing.

Each timing round runs the baseline and the candidate back to back on the same inputs, so
the natural sample is the per-round ratio `baseline / candidate`: machine drift that slows
both sides of a round cancels out. The point estimate is the median ratio, and its 95%
interval is the distribution-free sign-test interval for a median: with the n ratios
sorted, `[r_(k), r_(n-k+1)]` where k is the largest rank with `2 * P(Bin(n, 1/2) < k) <=
alpha`. It assumes only that rounds are independent, not that noise is normal or
symmetric, and its coverage is at least the nominal level for every n (exact binomial
tail), which is what keeps an A/A comparison at <= 5% false positives: in an A/A run the
ratio `A/A'` and its inverse have the same distribution, so the median ratio is 1.

A bootstrap interval (scipy.stats.bootstrap, BCa, on log ratios) is available as an
alternative; it is narrower on few samples but its coverage is only asymptotic.

The interval bounds sampling noise only. Two identical programs can also differ for a whole
comparison by where their binaries land in memory (page placement, alignment): a real but
meaningless difference of up to about 1% that no number of rounds removes (measured by
`maxcode bench timing`: 3 of 50 A/A comparisons had intervals excluding 1.0, all within
1%). `min_relative_change` is that no-change band: a change is significant only when the
whole interval lies outside [1 / (1 + m), 1 + m].
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95
METHODS = ("sign", "bootstrap")


@dataclass(frozen=True)
class SpeedupEstimate:
    """Summary of paired timing samples."""

    speedup: float
    """Median of the per-round ratios baseline / candidate."""
    ci_low: float
    ci_high: float
    """Confidence interval of the median ratio."""
    n: int
    """Number of paired rounds used."""
    significant: bool
    """The interval lies outside the no-change band (and there were enough rounds for one)."""
    confidence: float = CONFIDENCE
    method: str = "sign"
    has_interval: bool = True
    """False when there were too few rounds for an interval (low/high are then the range)."""

    @property
    def relative_width(self) -> float:
        """(high - low) / point: how precisely the speedup is known."""
        return (self.ci_high - self.ci_low) / self.speedup if self.speedup > 0 else math.inf


def paired_ratios(baseline: Sequence[float], candidate: Sequence[float]) -> np.ndarray:
    """Per-round ratios baseline / candidate; both series must pair up one to one."""
    b = np.asarray(baseline, dtype=float)
    c = np.asarray(candidate, dtype=float)
    if b.shape != c.shape or b.ndim != 1:
        raise ValueError(f"paired samples must have equal length, got {b.shape} and {c.shape}")
    if np.any(b <= 0) or np.any(c <= 0):
        raise ValueError("timing samples must be positive")
    return b / c


@functools.lru_cache(maxsize=4096)  # looked up after every batch of a timing: scipy's cdf is slow
def sign_test_rank(n: int, confidence: float = CONFIDENCE) -> int:
    """Largest k with 2 * P(Bin(n, 1/2) <= k - 1) <= 1 - confidence; 0 when n is too small."""
    alpha = 1.0 - confidence
    k = 0
    while k < n // 2 and 2.0 * sps.binom.cdf(k, n, 0.5) <= alpha:
        k += 1
    return k


def min_rounds(confidence: float = CONFIDENCE) -> int:
    """Fewest rounds for which the sign-test interval exists (6 at 95%)."""
    n = 1
    while sign_test_rank(n, confidence) == 0:
        n += 1
    return n


def sign_test_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """Distribution-free interval of the median, or None with too few values."""
    x = np.sort(np.asarray(values, dtype=float))
    k = sign_test_rank(len(x), confidence)
    if k == 0:
        return None
    return float(x[k - 1]), float(x[len(x) - k])


def bootstrap_ci(
    values: Sequence[float], confidence: float = CONFIDENCE, seed: int = 0, resamples: int = 2000
) -> tuple[float, float] | None:
    """BCa bootstrap interval of the median ratio (computed on logs, mapped back)."""
    logs = np.log(np.asarray(values, dtype=float))
    if len(logs) < 3:
        return None
    if np.all(logs == logs[0]):
        v = float(np.exp(logs[0]))
        return v, v
    res = sps.bootstrap(
        (logs,), np.median, confidence_level=confidence, n_resamples=resamples,
        method="BCa", random_state=np.random.default_rng(seed),
    )
    lo, hi = res.confidence_interval
    if not (np.isfinite(lo) and np.isfinite(hi)):  # BCa degenerates on heavy ties
        lo, hi = np.quantile(logs, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(np.exp(lo)), float(np.exp(hi))


def paired_speedup(
    baseline: Sequence[float],
    candidate: Sequence[float],
    confidence: float = CONFIDENCE,
    method: str = "sign",
    seed: int = 0,
    min_relative_change: float = 0.0,
) -> SpeedupEstimate:
    """Median speedup of paired rounds and its interval; never significant without one, nor
    when the interval reaches into the no-change band [1 / (1 + m), 1 + m]."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if min_relative_change < 0:
        raise ValueError("min_relative_change must be >= 0")
    ratios = paired_ratios(baseline, candidate)
    if len(ratios) == 0:
        raise ValueError("no timing samples")
    point = float(np.median(ratios))
    ci = sign_test_ci(ratios, confidence) if method == "sign" else bootstrap_ci(ratios, confidence, seed)
    if ci is None:
        # Too few rounds for an interval: report the observed range, claim nothing.
        return SpeedupEstimate(
            point, float(ratios.min()), float(ratios.max()), len(ratios), False, confidence, method,
            has_interval=False,
        )
    lo, hi = ci
    band = 1.0 + min_relative_change
    return SpeedupEstimate(point, lo, hi, len(ratios), lo > band or hi < 1.0 / band, confidence, method)


def process_speedup(
    baseline: Sequence[Sequence[float]],
    candidate: Sequence[Sequence[float]],
    confidence: float = CONFIDENCE,
    min_relative_change: float = 0.0,
) -> SpeedupEstimate:
    """Speedup of two sides each timed in several processes (the kernel judge's design).

    A process is a unit of its own: memory layout, allocator state and thread placement
    shift all of its calls together, so an interval over the calls of one process says
    nothing about the next one (measured: the problem's own Model against itself, one
    process a side, came out 0.85x-1.45x and mostly "significant"). Each process is
    therefore summarized by the median of its calls, the speedup is the ratio of the
    geometric means of those medians, and its interval is Welch's two-sample t-interval on
    their logs, which carries the process-to-process variation of each side. Welch, not a
    pooled variance: the sides often vary very differently (a memory-bound reference's
    process medians spread 2.5-4.6 ms where a compute-bound candidate's stayed within 3%),
    and a pooled interval then covers the true ratio less often than it says (simulated, 4
    processes a side: 91% for a nominal 95%; Welch 95%). With one process on a side its
    variance cannot be estimated and the pooled interval is the only one. Processes
    alternate sides in time (see the judge), so slow drift in the machine falls on both
    sides. Significant only when the interval lies outside the no-change band
    [1 / (1 + m), 1 + m].
    """
    if min_relative_change < 0:
        raise ValueError("min_relative_change must be >= 0")
    base = [np.asarray(p, dtype=float) for p in baseline if len(p)]
    cand = [np.asarray(p, dtype=float) for p in candidate if len(p)]
    if not base or not cand:
        raise ValueError("no timing samples")
    if any(np.any(p <= 0) for p in base + cand):
        raise ValueError("timing samples must be positive")
    log_b = np.log([np.median(p) for p in base])
    log_c = np.log([np.median(p) for p in cand])
    diff = float(log_b.mean() - log_c.mean())
    point = math.exp(diff)
    df = len(log_b) + len(log_c) - 2
    if df < 1:
        # One process a side: no process variance to estimate, so no interval and no claim.
        return SpeedupEstimate(point, point, point, 1, False, confidence, "process-t", has_interval=False)
    nb, nc = len(log_b), len(log_c)
    if min(nb, nc) >= 2:
        vb, vc = log_b.var(ddof=1) / nb, log_c.var(ddof=1) / nc
        se = math.sqrt(vb + vc)
        if se > 0:  # Welch-Satterthwaite degrees of freedom
            df = (vb + vc) ** 2 / (vb ** 2 / (nb - 1) + vc ** 2 / (nc - 1))
    else:
        pooled = (((log_b - log_b.mean()) ** 2).sum() + ((log_c - log_c.mean()) ** 2).sum()) / df
        se = math.sqrt(pooled * (1 / nb + 1 / nc))
    half = float(sps.t.ppf(0.5 + confidence / 2, df)) * se
    lo, hi = math.exp(diff - half), math.exp(diff + half)
    band = 1.0 + min_relative_change
    return SpeedupEstimate(
        point, lo, hi, min(nb, nc), lo > band or hi < 1.0 / band, confidence, "process-t",
    )
