"""Stopping a timing as soon as the evidence decides, without inflating false positives.

A timer that looks at its interval after every batch and stops once it "looks good" is
peeking: each look is another chance for noise to cross the line, and with a fixed-n
interval the false-positive rate of an A/A comparison climbs far above the nominal 5%
(`tests/sandbox/test_sequential.py` simulates it). The interval here is a *confidence
sequence*: it covers the true median ratio at every round simultaneously with probability
>= 95%, so it is still valid at a stopping time chosen by looking at it, whatever the rule.

Construction (distribution-free, like the fixed-n sign-test interval it replaces). For the
true median m of the per-round ratios, the indicators 1{X_i <= m} are fair coin flips, so
S_t = #{X_i <= m} - t/2 is a sum of bounded increments with variance proxy 1/4 each.
Robbins' normal mixture makes exp(lambda S_t - lambda^2 t/8) averaged over lambda ~ N(0, 1/rho)
a nonnegative supermartingale, and Ville's inequality bounds the chance that it ever exceeds
1/alpha: with V_t = t/4,

    |S_t| < sqrt(2 (V_t + rho) (log(1/alpha) + log((V_t + rho) / rho) / 2))   for every t,

with probability >= 1 - alpha (Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform,
nonparametric, nonasymptotic confidence sequences", 2021; the quantile case is their
"Sequential estimation of quantiles", 2022). The median's interval at round t is then a pair
of order statistics, as for the sign test. `rho` sets the round count at which the boundary
is tightest (`tight_at`); the bound is valid for any rho. The running intersection over the
looks is also a confidence sequence, and narrower, so intervals only shrink.

Decisions, with the no-change band [1/(1+m), 1+m] of `maxcode.sandbox.timing.stats`:
faster / slower when the interval clears the band, `no_change` when it lies inside it, and
`below_incumbent` when a search says the best so far is known to be at least `incumbent`
and the whole interval lies below that (the candidate cannot become the answer).

`ProcessLooks` is the same idea for the kernel judge, whose unit is a process, not a round:
a handful of looks (the first after 4 processes a side, then after every second one, so each
side has gone first equally often), each at confidence 1 - alpha/K for K planned looks. Not
after 2: in ABBA order (R C C R) the candidate's two processes run back to back, so one burst
of other work on the machine lands on one side only, and two processes a side cannot show it
as spread (measured: an A/A judged 0.49x, "significant", at a look after 2 while other work
ran beside the bench). By the union bound all K intervals
cover the truth at once with probability >= 1 - alpha, so the interval at whichever look a
rule stops on is still a 95% interval (Bonferroni alpha spending: conservative, and exact
for any dependence between looks, which Welch intervals on overlapping data have).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from maxcode.sandbox.timing.stats import CONFIDENCE, SpeedupEstimate, process_speedup

# Why a sequential timing stopped (also recorded by the timers as details["stop_reason"]).
FASTER = "faster"
SLOWER = "slower"
NO_CHANGE = "no_change"
BELOW_INCUMBENT = "below_incumbent"
DECISIONS = (FASTER, SLOWER, NO_CHANGE, BELOW_INCUMBENT)


def mixture_rho(tight_at: int, confidence: float = CONFIDENCE) -> float:
    """The mixture precision whose boundary is (nearly) tightest after `tight_at` rounds."""
    log_inv = math.log(1.0 / (1.0 - confidence))
    v = max(tight_at, 1) / 4.0
    return v / (2.0 * log_inv + math.log(1.0 + 2.0 * log_inv))


def boundary(t: int, confidence: float = CONFIDENCE, rho: float = 1.0) -> float:
    """Half-width u of the time-uniform band |#{X_i <= m} - t/2| < u after t rounds."""
    alpha = 1.0 - confidence
    v = t / 4.0
    return math.sqrt(2.0 * (v + rho) * (math.log(1.0 / alpha) + 0.5 * math.log((v + rho) / rho)))


def median_sequence_ci(
    values: Sequence[float], confidence: float = CONFIDENCE, rho: float = 1.0
) -> tuple[float, float]:
    """The confidence sequence's interval for the median after len(values) rounds.

    Unbounded sides are -inf / +inf (too few rounds for that side yet)."""
    x = np.sort(np.asarray(values, dtype=float))
    t = len(x)
    if t == 0:
        return -math.inf, math.inf
    u = boundary(t, confidence, rho)
    j_lo = math.floor(t / 2.0 - u) + 1  # the smallest count with count - t/2 > -u
    j_hi = math.ceil(t / 2.0 + u) - 1  # the largest count with count - t/2 < u
    lo = float(x[j_lo - 1]) if j_lo >= 1 else -math.inf
    hi = float(x[j_hi]) if j_hi + 1 <= t else math.inf
    return lo, hi


@dataclass
class SequentialMedian:
    """A confidence sequence for the median ratio, looked at as often as one likes."""

    confidence: float = CONFIDENCE
    min_relative_change: float = 0.0
    tight_at: int = 24
    incumbent: float | None = None
    """A lower bound of the best speedup a search already has: an interval wholly below it
    stops the timing (`below_incumbent`). None outside a search."""

    def __post_init__(self) -> None:
        self.rho = mixture_rho(self.tight_at, self.confidence)
        self.low = -math.inf
        self.high = math.inf
        self.looks = 0

    def look(self, values: Sequence[float]) -> str | None:
        """Update the interval with all rounds so far; the decision, or None to go on."""
        lo, hi = median_sequence_ci(values, self.confidence, self.rho)
        # Running intersection: still a confidence sequence, and never wider than before.
        self.low, self.high = max(self.low, lo), min(self.high, hi)
        if self.low > self.high:  # only by bad luck (prob. <= alpha): keep the latest
            self.low, self.high = lo, hi
        self.looks += 1
        return self.decision()

    def decision(self) -> str | None:
        return decide(self.low, self.high, self.min_relative_change, self.incumbent)

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)


def decide(low: float, high: float, min_relative_change: float, incumbent: float | None) -> str | None:
    """What an interval [low, high] of the speedup decides, or None when it decides nothing."""
    band = 1.0 + min_relative_change
    if low > band:
        return FASTER
    if high < 1.0 / band:
        return SLOWER
    if incumbent is not None and high < incumbent:
        return BELOW_INCUMBENT
    if min_relative_change > 0 and low >= 1.0 / band and high <= band:
        return NO_CHANGE
    return None


@dataclass
class ProcessLooks:
    """Looks at the kernel judge's interval over processes, alpha spent over the looks."""

    max_processes: int
    """Processes a side at most: close calls run to here."""
    confidence: float = CONFIDENCE
    min_relative_change: float = 0.0
    first: int = 4
    """The first look, after this many processes a side."""
    every: int = 2
    """Then look after every this many processes a side (2: each side has gone first as often)."""
    incumbent: float | None = None

    def __post_init__(self) -> None:
        if self.max_processes < 1 or self.every < 1 or self.first < 1:
            raise ValueError("max_processes, first and every must be >= 1")
        self.at = [k for k in range(self.first, self.max_processes + 1, self.every)]
        if not self.at or self.at[-1] != self.max_processes:
            self.at.append(self.max_processes)
        self.look_confidence = 1.0 - (1.0 - self.confidence) / len(self.at)
        self.estimate: SpeedupEstimate | None = None

    def due(self, processes: int) -> bool:
        """Whether a look is planned after this many processes a side."""
        return processes in self.at

    def look(self, baseline: list[list[float]], candidate: list[list[float]]) -> str | None:
        """The interval at this look's confidence; the decision, or None to go on."""
        self.estimate = process_speedup(baseline, candidate, self.look_confidence, self.min_relative_change)
        if not self.estimate.has_interval:
            return None
        return decide(self.estimate.ci_low, self.estimate.ci_high, self.min_relative_change, self.incumbent)
