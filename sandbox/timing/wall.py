"""Wall-clock timing: interleaved A/B rounds, repeated until the evidence decides.

One round runs baseline and candidate back to back on every input, the order flipping from
one input to the next and from one round to the next (A B, B A, ...) so neither side
always runs first on a warm cache. Rounds are sent in batches, one `backend.run` per batch,
so backend overhead stays outside the runner's fork-to-reap times and is paid once per
batch. The first round of every batch is a warm-up and is discarded (a fresh workspace
means cold page cache for the binaries).

Stopping (`sequential`, the default). After each batch the interval of the median paired
ratio is a confidence sequence (`maxcode.sandbox.timing.sequential`): valid at every look at once,
so the timer may stop the moment it decides - faster or slower (the interval clears the
no-change band `min_relative_change`), no change (it lies inside the band), below the
search's incumbent (`TimingJob.incumbent`) - or when it is narrower than the target, without
raising the A/A false-positive rate. Close calls go on to `max_seconds`. A clear 2x used to
run to that cap too, waiting for a 5% width this machine's noise rarely reaches.

`sequential=False`, or a job with `full_budget`: the fixed-n sign-test interval
(`maxcode.sandbox.timing.stats`), stopped only by its *width* (not its position, which keeps that
interval's nominal level), `max_rounds` or `max_seconds`. For a slow program that has too few
rounds for any interval by the cap, timing goes on to `interval_max_seconds`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from maxcode.sandbox.run_spec import Sandbox, Step
from maxcode.sandbox.timing import sequential, stats
from maxcode.sandbox.timing.base import (
    BASELINE,
    CANDIDATE,
    Measurement,
    ProgramRuns,
    TimingFailure,
    TimingJob,
    timed_failure,
)
from maxcode.sandbox.timing.stats import CONFIDENCE, SpeedupEstimate, paired_speedup

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    baseline: list[float]
    candidate: list[float]
    per_input: list[list[tuple[float, float]]]
    """Per round: (baseline, candidate) seconds for each input."""
    host_time_s: float
    failure: TimingFailure | None = None


class WallTimer:
    """Interleaved wall-clock timing with a distribution-free confidence interval."""

    mode = "wall"

    def __init__(
        self,
        target_relative_width: float = 0.05,
        max_seconds: float = 10.0,
        min_rounds: int | None = None,
        max_rounds: int = 400,
        warmup_rounds: int = 1,
        max_batch_seconds: float = 5.0,
        confidence: float = CONFIDENCE,
        method: str = "sign",
        seed: int = 0,
        min_relative_change: float = 0.01,
        interval_max_seconds: float = 60.0,
        sequential: bool = True,
        tight_at: int = 24,
    ) -> None:
        self.target_relative_width = float(target_relative_width)
        self.max_seconds = float(max_seconds)
        self.min_rounds = int(min_rounds) if min_rounds else _default_min_rounds(confidence)
        self.max_rounds = int(max_rounds)
        self.warmup_rounds = int(warmup_rounds)
        self.max_batch_seconds = float(max_batch_seconds)
        self.confidence = float(confidence)
        self.method = method
        self.seed = int(seed)
        self.min_relative_change = float(min_relative_change)
        self.interval_max_seconds = max(float(interval_max_seconds), self.max_seconds)
        self.sequential = bool(sequential)
        self.tight_at = int(tight_at)
        # Fewer rounds than this give no interval at all, so no claim whatever the data.
        self.interval_rounds = stats.min_rounds(confidence)
        self.sequence_rounds = _first_bounded_round(confidence, self.tight_at)
        if self.max_rounds < self.min_rounds:
            raise ValueError(f"max_rounds ({max_rounds}) < min_rounds ({self.min_rounds})")

    # -- the loop ---------------------------------------------------------------------

    def measure(self, backend: Sandbox, job: TimingJob) -> Measurement:
        start = time.monotonic()
        base: list[float] = []
        cand: list[float] = []
        per_input: list[list[tuple[float, float]]] = []
        round_s = job.round_estimate_s or 0.05
        overhead_s = 0.0
        batches = 0
        estimate: SpeedupEstimate | None = None
        early = self.sequential and not job.full_budget
        rule = sequential.SequentialMedian(self.confidence, self.min_relative_change, self.tight_at,
                                           incumbent=job.incumbent) if early else None
        interval_rounds = self.sequence_rounds if early else self.interval_rounds
        stop = "max_rounds"
        while len(base) < self.max_rounds:
            spent = time.monotonic() - start
            decided = rule.decision() if rule is not None and rule.bounded else None
            if decided is not None:
                stop = decided
                break
            if (
                estimate is not None
                and len(base) >= self.min_rounds
                and estimate.has_interval
                and estimate.relative_width <= self.target_relative_width
            ):
                stop = "target_width"
                break
            # A slow program may reach max_seconds before an interval exists; it goes on,
            # up to interval_max_seconds, until one does (else no speedup could be claimed).
            cap = self.max_seconds if len(base) >= interval_rounds else self.interval_max_seconds
            if base and spent >= cap:
                stop = "max_seconds" if cap == self.max_seconds else "interval_max_seconds"
                break
            n = self._next_batch_size(len(base), estimate, round_s, overhead_s, cap - spent,
                                      first=interval_rounds if early else self.min_rounds)
            batch = self._run_batch(backend, job, first_round=len(base), rounds=n)
            batches += 1
            if batch.failure is not None:
                return Measurement(mode=self.mode, failure=batch.failure, details={"batches": batches})
            base += batch.baseline
            cand += batch.candidate
            per_input += batch.per_input
            # Learn the cost of a round and the backend's fixed cost per batch (warm-up
            # rounds included) to size the next batch within the time left.
            round_s = max((sum(batch.baseline) + sum(batch.candidate)) / n, 1e-4)
            overhead_s = max(batch.host_time_s - round_s * (n + self.warmup_rounds), 0.0)
            if rule is not None:
                rule.look(stats.paired_ratios(base, cand))
                estimate = _sequence_estimate(rule, base, cand)
            else:
                estimate = paired_speedup(base, cand, self.confidence, self.method, self.seed,
                                          self.min_relative_change)
        log.debug("wall timing stopped (%s) after %d rounds in %d batches", stop, len(base), batches)
        medians = np.median(np.asarray(per_input), axis=0) if per_input else np.zeros((0, 2))
        return Measurement(
            mode=self.mode,
            baseline_times_s=base,
            candidate_times_s=cand,
            baseline_time_s=float(np.median(base)),
            candidate_time_s=float(np.median(cand)),
            estimate=estimate,
            details={
                "rounds": len(base),
                "batches": batches,
                "stop_reason": stop,
                "measurement_s": time.monotonic() - start,
                "relative_ci_width": estimate.relative_width if estimate else None,
                "ci_method": estimate.method if estimate else self.method,
                "incumbent": job.incumbent,
                "full_budget": job.full_budget,
                "per_input_median_s": {
                    t.name: {"baseline": float(b), "candidate": float(c)}
                    for t, (b, c) in zip(job.tests, medians, strict=True)
                },
            },
        )

    def _next_batch_size(
        self, done: int, estimate: SpeedupEstimate | None, round_s: float, overhead_s: float,
        seconds_left: float, first: int | None = None,
    ) -> int:
        first = self.min_rounds if first is None else first
        if estimate is None or done < first:
            want = first - done
        elif self.sequential and not math.isfinite(estimate.relative_width):
            want = max(2, done // 2)  # the sequence is not bounded yet: grow by half
        elif self.sequential:
            # A sequential timer looks again soon: a decision may come at any round, and a
            # batch far past it is time thrown away. Grow by about a third per look.
            want = max(2, done // 3)
        else:
            # The interval narrows like 1/sqrt(n): aim for the n that reaches the target.
            ratio = estimate.relative_width / max(self.target_relative_width, 1e-9)
            want = max(math.ceil(done * (ratio**2 - 1)), 2)
        # A batch may exceed max_batch_seconds to hold two measured rounds of a slow
        # program, so its warm-up round is not half of what it costs.
        batch_s = max(self.max_batch_seconds, round_s * (self.warmup_rounds + 2) + overhead_s)
        budget = min(seconds_left, batch_s) - overhead_s
        affordable = int(budget / round_s) - self.warmup_rounds
        # At least one round per batch, so a slow program still gets a point estimate.
        return max(1, min(want, affordable, self.max_rounds - done))

    # -- one batch --------------------------------------------------------------------

    def _run_batch(self, backend: Sandbox, job: TimingJob, first_round: int, rounds: int) -> _Batch:
        runs = ProgramRuns({BASELINE: job.baseline, CANDIDATE: job.candidate}, job.tests)
        steps: list[Step] = []
        order: list[tuple[int, int, str]] = []  # (round in batch, input index, side)
        for r in range(self.warmup_rounds + rounds):
            for i in range(len(job.tests)):
                sides = (BASELINE, CANDIDATE) if (first_round + r + i) % 2 == 0 else (CANDIDATE, BASELINE)
                for side in sides:
                    steps.append(runs.step(side, i, job.limits, f"{side}/{job.tests[i].name}", discard_stdout=True))
                    order.append((r, i, side))
        result = backend.run(runs.spec(steps, job.image))
        if len(result.steps) != len(steps):
            raise RuntimeError(f"backend returned {len(result.steps)} step results for {len(steps)} steps")
        times = {}
        for (r, i, side), step in zip(order, result.steps, strict=True):
            # Every timed run, warm-ups included, must print its checked output again: a
            # time is only worth something for a run that did the work.
            failure = timed_failure(job, side, i, step)
            if failure is not None:
                return _Batch([], [], [], result.host_time_s, failure)
            times[(r, i, side)] = step.wall_time_s
        base, cand, per_input = [], [], []
        for r in range(self.warmup_rounds, self.warmup_rounds + rounds):
            pairs = [(times[(r, i, BASELINE)], times[(r, i, CANDIDATE)]) for i in range(len(job.tests))]
            per_input.append(pairs)
            base.append(sum(b for b, _ in pairs))
            cand.append(sum(c for _, c in pairs))
        return _Batch(base, cand, per_input, result.host_time_s)


def _sequence_estimate(rule: sequential.SequentialMedian, base: list[float], cand: list[float]) -> SpeedupEstimate:
    """The confidence sequence's interval as an estimate (the median ratio as the point)."""
    ratios = stats.paired_ratios(base, cand)
    point = float(np.median(ratios))
    if not rule.bounded:
        return SpeedupEstimate(point, float(ratios.min()), float(ratios.max()), len(ratios), False,
                               rule.confidence, "sequential-sign", has_interval=False)
    band = 1.0 + rule.min_relative_change
    return SpeedupEstimate(point, rule.low, rule.high, len(ratios), rule.low > band or rule.high < 1.0 / band,
                           rule.confidence, "sequential-sign")


def _first_bounded_round(confidence: float, tight_at: int) -> int:
    """Fewest rounds for which the confidence sequence bounds the median on both sides."""
    rho = sequential.mixture_rho(tight_at, confidence)
    t = 1
    while not all(map(math.isfinite, sequential.median_sequence_ci(np.arange(t) + 1.0, confidence, rho))):
        t += 1
    return t


def _default_min_rounds(confidence: float) -> int:
    # Twice the fewest rounds that give a sign-test interval at all, so a first interval is
    # not made of the two extreme rounds.
    return 2 * stats.min_rounds(confidence)
