"""Speedup summary of the kernel judge's timing samples, via `sandbox.timing.stats`.

The two sides are timed in separate sandboxed processes (see `judge.py`), so trial i of the
reference and trial i of the candidate form a pair in trial order; the shared statistics
(median per-pair ratio, sign-test interval) then apply unchanged.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sandbox.timing.stats import paired_speedup

# A sample of 0 s (a forged or coarse clock) would make a ratio infinite; floor it so the
# claim is huge and goes to re-verification instead of crashing the statistics.
MIN_SAMPLE_S = 1e-9


@dataclass(frozen=True)
class SpeedupSummary:
    baseline_s: float
    """Median baseline time, seconds."""
    candidate_s: float
    """Median candidate time, seconds."""
    speedup: float
    """Median of the paired ratios baseline / candidate."""
    ci: tuple[float, float]
    """95% interval of that median."""
    significant: bool
    """The interval excludes 1.0."""


def summarize(baseline_s: list[float], candidate_s: list[float], seed: int = 0) -> SpeedupSummary:
    n = min(len(baseline_s), len(candidate_s))
    if n == 0:
        raise ValueError("no timing samples")
    b = [max(MIN_SAMPLE_S, t) for t in baseline_s[:n]]
    c = [max(MIN_SAMPLE_S, t) for t in candidate_s[:n]]
    est = paired_speedup(b, c, seed=seed % 2**32)
    return SpeedupSummary(
        statistics.median(b), statistics.median(c), est.speedup, (est.ci_low, est.ci_high),
        est.significant,
    )
