"""Re-verification: a large claimed speedup measured again by a clock outside the candidate's reach.

The candidate's timed calls run in its own process, so native code in its extension could
forge the in-process clock, and static checks are never complete. A speedup above the
judge's `reverify.threshold` is therefore measured again by the sandbox runner's clock (fork
to reap, outside every sandboxed process): steps with 1 and 1+n calls on fresh inputs, whose
difference cancels start-up, import, input generation and saving, with all outputs checked
again. The claim is rejected on evidence only: when the candidate's n extra calls took longer
than `agreement` of the claim allows (default a quarter: whole-step runs see colder caches
than back-to-back timed trials, so a genuine 30x kernel can measure 15x there) by more than
`noise_s`, the start-up noise of a step. A genuine fast kernel's n calls may vanish in that
noise; a forger's cannot, since n is budgeted as if the claim were false (FORGER_BUDGET x
`target_s` of reference-speed work); when even that is within RESOLVE_FACTOR x the noise (a
very fast baseline at `max_calls`), nothing is verified and the claim is rejected. Known
limit: a partial forger whose real speedup is within the agreement and noise allowance of its
claim passes with an inflated figure.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from maxcode.records.evaluation import Status
from maxcode.sandbox.judges.kernel.call_checks import check_calls
from maxcode.sandbox.judges.kernel.compare import ComparisonLimits, Verdict
from maxcode.sandbox.judges.kernel.problem import Problem
from maxcode.sandbox.judges.kernel.sides import JudgeFailure, Seeds, Side, Sides, side_failure
from maxcode.sandbox.run_spec import StepResult

log = logging.getLogger(__name__)

# Rationale: re-verification runs the candidate n times as if its claim were false, i.e. for
# up to FORGER_BUDGET x target_s of reference-speed work. At 4x a genuine 50x kernel
# ran ~40 ms of work against ~0.1 s of process start-up noise and was sometimes rejected
# (measured 5.9x of a 49x claim); at 20x it runs ~0.2 s, and a forger costs <= 20 s a step.
FORGER_BUDGET = 20
# A re-verification decides only when a false claim's n calls would take this many times
# the step noise (`noise_s`); below that it cannot tell, and rejects.
RESOLVE_FACTOR = 3


@dataclass(frozen=True)
class Claim:
    """What the timing stage claims: medians over every timed call of each side."""

    baseline_s: float
    candidate_s: float
    speedup: float


@dataclass(frozen=True)
class Reverification:
    """The re-verification stage and its settings (judge.kernel.reverify)."""

    threshold: float = 10.0
    """Claims above this speedup are re-verified."""
    agreement: float = 0.25
    """A claim stands while the runner's clock measures at least this share of it."""
    target_s: float = 1.0
    """Reference-speed work a re-verification step aims for (a forger's: FORGER_BUDGET x)."""
    reps: int = 2
    max_calls: int = 1000
    noise_s: float = 0.5
    """Start-up noise of one step that no claim is judged by."""

    def __post_init__(self) -> None:
        if self.threshold <= 1 or not 0 < self.agreement <= 1 or self.reps < 1 or self.max_calls < 5:
            raise ValueError("judge.kernel.reverify: threshold > 1, 0 < agreement <= 1, reps >= 1, "
                             "max_calls >= 5")

    def check(
        self, sides: Sides, problem: Problem, source: str, tol: ComparisonLimits, rng: Seeds,
        claim: Claim, details: dict,
    ) -> Verdict | None:
        """Runner-clock timing of both sides (1 vs 1+n calls) with every output re-checked;
        a verdict rejecting the claim, or None when it stands."""
        n_ref, n_cand = self._calls(claim)
        # What the n calls would cost if the claim were false must stand well out of the
        # noise, or nothing can be verified: fail closed, before spending any step on it.
        forger_s = n_cand * claim.baseline_s
        if forger_s < RESOLVE_FACTOR * self.noise_s:
            details["reverify"] = {"claimed_speedup": claim.speedup, "candidate_calls": n_cand,
                                   "forger_s": forger_s, "noise_allowance_s": self.noise_s}
            return Verdict(
                Status.REJECTED,
                f"re-verification: {n_cand} calls at the reference's speed would take only "
                f"{forger_s:.3g}s, within {RESOLVE_FACTOR} x the runner clock's noise "
                f"({self.noise_s:g}s): a claim of {claim.speedup:.3g}x cannot be confirmed "
                "(raise judge.kernel.reverify.max_calls or reverify.target_s)",
            )
        steps = self._steps(sides, problem, source, tol, rng, n_ref, n_cand)
        if isinstance(steps, Verdict):
            return steps
        return self._weigh(sides.device, claim, n_ref, n_cand, *steps, details)

    def _calls(self, claim: Claim) -> tuple[int, int]:
        """Extra calls of the reference's and the candidate's long steps."""

        def calls_for(per_call_s: float) -> int:
            return int(min(self.max_calls, max(5, math.ceil(self.target_s / max(per_call_s, 1e-9)))))

        # Budget the candidate as if its claim were false, so a forger costs at most
        # FORGER_BUDGET x target_s per step; a genuine fast kernel then still runs long
        # enough for its work to stand out of the start-up noise.
        return calls_for(claim.baseline_s), min(
            calls_for(claim.candidate_s), max(5, int(FORGER_BUDGET * self.target_s / claim.baseline_s) + 5))

    def _steps(
        self, sides: Sides, problem: Problem, source: str, tol: ComparisonLimits, rng: Seeds, n_ref: int,
        n_cand: int,
    ) -> tuple[list[Side], list[Side]] | Verdict:
        """`reps` short (1 call) and long (1+n calls) steps a side, short and long alternating,
        every candidate output checked against a reference step of the same seeds; the steps
        (the reference's first is that check, not timed), or the verdict of a failed one."""

        def plan(n: int) -> list[list[int]]:
            return [rng.take(n + 1) for _ in range(2 * self.reps)]

        cand_pools, ref_pools = plan(n_cand), plan(n_ref)
        cand_specs = [
            sides.spec("candidate", "count", rng, count_seeds=pool, calls=1 if k % 2 == 0 else len(pool))
            for k, pool in enumerate(cand_pools)
        ]
        called = [seed for spec in cand_specs for seed in spec.count_seeds[: spec.calls]]
        truth = sides.spec("reference", "count", rng, count_seeds=called, calls=len(called))
        ref_specs = [truth] + [
            sides.spec("reference", "count", rng, count_seeds=pool, calls=1 if k % 2 == 0 else len(pool))
            for k, pool in enumerate(ref_pools)
        ]
        wall = 2 * sides.run_timeout_s + 4 * self.target_s
        ref_sides, _ = sides.run("reference", {"problem.py": problem.source.encode()}, ref_specs, wall)
        for side in ref_sides:
            failure = side_failure(side, "reference")
            if failure is not None:
                return Verdict(
                    Status.REJECTED,
                    f"re-verification: the reference run failed ({failure.message}); speedup not confirmed",
                )
        files, _ = sides.candidate_files(problem, source)
        cand_sides, _ = sides.run("candidate", files, cand_specs, wall)
        expected = {t.seed: t for t in ref_sides[0].record.trials}
        ref_blobs: dict = {}
        for side, spec in zip(cand_sides, cand_specs, strict=False):
            failure = side_failure(side, "candidate")
            if failure is not None:
                return Verdict(failure.status if failure.status is not Status.OK else Status.REJECTED,
                               f"re-verification: {failure.message}")
            if len(side.record.trials) != spec.calls:
                return Verdict(Status.REJECTED, "re-verification: the candidate skipped calls")
            try:
                check_calls(expected, ref_blobs, side, tol)
            except JudgeFailure as failed:
                return Verdict(Status.REJECTED, f"re-verification: {failed.evaluation.message}")
        return ref_sides[1:], cand_sides

    def _weigh(self, device: str, claim: Claim, n_ref: int, n_cand: int, ref_sides: list[Side],
               cand_sides: list[Side], details: dict) -> Verdict | None:
        """The claim against what the runner's clock measured of the n extra calls."""
        # On CPU the runner's CPU time (user + system of the step and its reaped children)
        # is the measure: it is as far outside the candidate's reach as the wall clock but
        # barely moves when other jobs share the cores. On GPU the host thread mostly
        # waits, so only the wall clock means anything.
        clock = "wall" if device == "cuda" else "cpu"

        def seconds(step: StepResult) -> float:
            return step.wall_time_s if clock == "wall" else step.cpu_time_s

        def extra_s(runs: list[Side]) -> float:
            """Seconds the n extra calls added to a step, averaged over the reps."""
            lo = sum(seconds(s.step) for s in runs[0::2])
            hi = sum(seconds(s.step) for s in runs[1::2])
            return (hi - lo) / self.reps

        ref_extra, cand_extra = extra_s(ref_sides), extra_s(cand_sides)
        ref_s, cand_s = ref_extra / n_ref, cand_extra / n_cand
        host_speedup = ref_s / cand_s if cand_s > 0 else math.inf
        # The claim fails only on evidence: the candidate's extra calls took longer than the
        # agreement allows by more than a step's start-up noise. A genuine fast kernel's n
        # calls can vanish in that noise (even measure negative); a forger's n calls run at
        # reference speed, FORGER_BUDGET x target_s of work, and cannot.
        allowed_s = max(0.0, n_cand * ref_s / (self.agreement * claim.speedup))
        excess_s = cand_extra - allowed_s
        details["reverify"] = {
            "claimed_speedup": claim.speedup,
            "runner_clock_speedup": host_speedup if math.isfinite(host_speedup) else None,
            "reference_per_call_s": ref_s,
            "candidate_per_call_s": cand_s,
            "reference_calls": n_ref,
            "candidate_calls": n_cand,
            "reps": self.reps,
            "clock": clock,
            "candidate_excess_s": excess_s,
            "noise_allowance_s": self.noise_s,
            "reference_step_s": [seconds(s.step) for s in ref_sides],
            "candidate_step_s": [seconds(s.step) for s in cand_sides],
        }
        if excess_s > self.noise_s:
            return Verdict(
                Status.REJECTED,
                f"re-verification: claimed {claim.speedup:.3g}x but the sandbox runner's {clock} clock "
                f"measures {host_speedup:.3g}x: {n_cand} calls took {cand_extra:.3g}s, "
                f"{excess_s:.3g}s more than {self.agreement:g} of the claim allows",
            )
        log.info("re-verified %.3gx (runner clock %.3gx)", claim.speedup, host_speedup)
        return None
