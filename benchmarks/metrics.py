"""The metrics the papers report, computed exactly as they define them.

Inputs are per-task outcomes: for each task, whether the search produced a correct
program and the speedup of its best correct one (`best_outcome` reduces the evaluations
of one task to that). A task with no outcome at all (the run crashed, was not run) counts
as incorrect everywhere: every metric takes the full list of task ids, never only the
tasks that produced something.

- PIE (Shypula et al. 2024): mean speedup with each task's speedup clipped below at 1.0
  (incorrect or missing = 1.0: the user keeps the original program), `%Opt` = share of
  tasks with speedup >= 1.10, `%Correct`.
- KernelBench: `fast_p` = share of ALL tasks that are correct with speedup > p (fast_0 is
  the correctness rate); geometric-mean speedup over the correct tasks.
- Median best speedup; average rank of several methods across tasks (ties averaged).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from maxcode.records.evaluation import Evaluation

PIE_OPT_THRESHOLD = 1.10
"""PIE counts a pair as optimized when its speedup is at least 1.10 (a 10% gain)."""


@dataclass(frozen=True)
class Outcome:
    """The result of one task: correct at all, and the best speedup of a correct program."""

    correct: bool
    """A correct program was found."""
    speedup: float | None = None
    """Best speedup among correct programs (None when none was timed or none is correct)."""
    speedup_ci: tuple[float, float] | None = None
    """Its 95% interval, when known: two outcomes whose intervals overlap rank as a tie."""
    speedup_vs_compile: float | None = None
    """Kernel tasks: the same program against torch.compile of the reference, when timed."""

    def __post_init__(self) -> None:
        if self.speedup is not None and not self.correct:
            raise ValueError("an incorrect outcome has no speedup")
        if self.speedup is not None and not (self.speedup > 0 and math.isfinite(self.speedup)):
            raise ValueError(f"speedup must be a positive finite number, got {self.speedup}")


INCORRECT = Outcome(correct=False)


def best_outcome(evaluations: Iterable[Evaluation]) -> Outcome:
    """Per-task best: the highest speedup among correct evaluations; incorrect ones never count."""
    correct = [e for e in evaluations if e.correct]
    speedups = [e.speedup for e in correct if e.speedup is not None]
    return Outcome(correct=bool(correct), speedup=max(speedups) if speedups else None)


def _outcomes_for(outcomes: Mapping[str, Outcome], task_ids: Sequence[str]) -> list[Outcome]:
    if not task_ids:
        raise ValueError("metrics need at least one task id")
    if len(set(task_ids)) != len(task_ids):
        raise ValueError("task ids repeat")
    unknown = sorted(set(outcomes) - set(task_ids))
    if unknown:
        raise ValueError(f"outcomes for tasks outside the suite: {unknown}")
    return [outcomes.get(t, INCORRECT) for t in task_ids]


def clipped_speedup(outcome: Outcome) -> float:
    """PIE's per-pair speedup: max(1, speedup) when correct and timed, else 1.0."""
    if outcome.correct and outcome.speedup is not None:
        return max(1.0, outcome.speedup)
    return 1.0


@dataclass(frozen=True)
class PieMetrics:
    mean_speedup: float
    """Mean over all tasks of the speedup clipped below at 1.0."""
    percent_opt: float
    """Percent of tasks correct with speedup >= 1.10."""
    percent_correct: float
    """Percent of tasks with a correct program."""
    n_tasks: int


def pie_metrics(outcomes: Mapping[str, Outcome], task_ids: Sequence[str]) -> PieMetrics:
    """PIE's mean clipped speedup, %Opt and %Correct over every task in `task_ids`."""
    rows = _outcomes_for(outcomes, task_ids)
    n = len(rows)
    return PieMetrics(
        mean_speedup=sum(clipped_speedup(o) for o in rows) / n,
        percent_opt=100.0
        * sum(o.correct and o.speedup is not None and o.speedup >= PIE_OPT_THRESHOLD for o in rows)
        / n,
        percent_correct=100.0 * sum(o.correct for o in rows) / n,
        n_tasks=n,
    )


def fast_p(outcomes: Mapping[str, Outcome], task_ids: Sequence[str], p: float) -> float:
    """KernelBench fast_p: fraction of ALL tasks that are correct with speedup > p.

    fast_0 is the correctness rate: a correct task counts even if it was not timed.
    """
    if p < 0:
        raise ValueError("p must be >= 0")
    rows = _outcomes_for(outcomes, task_ids)
    if p == 0:
        return sum(o.correct for o in rows) / len(rows)
    return sum(o.correct and o.speedup is not None and o.speedup > p for o in rows) / len(rows)


def fast_p_vs_compile(outcomes: Mapping[str, Outcome], task_ids: Sequence[str], p: float) -> float | None:
    """fast_p against torch.compile of the reference: the fraction of ALL tasks correct with
    a speedup over the compiled reference above p (a task whose program was not timed
    against it does not count); None when no task was."""
    rows = _outcomes_for(outcomes, task_ids)
    if not any(o.speedup_vs_compile is not None for o in rows):
        return None
    return sum(o.correct and o.speedup_vs_compile is not None and o.speedup_vs_compile > p
               for o in rows) / len(rows)


def geomean_speedup(outcomes: Mapping[str, Outcome], task_ids: Sequence[str]) -> float | None:
    """Geometric mean of the speedups of the correct, timed tasks; None when there are none."""
    speedups = [
        o.speedup for o in _outcomes_for(outcomes, task_ids) if o.correct and o.speedup is not None
    ]
    if not speedups:
        return None
    return math.exp(sum(math.log(s) for s in speedups) / len(speedups))


def median_best_speedup(
    outcomes: Mapping[str, Outcome], task_ids: Sequence[str], incorrect_as: float | None = 1.0
) -> float | None:
    """Median over tasks of the best speedup.

    `incorrect_as=1.0` (default) counts incorrect or missing tasks as 1.0, the original
    program kept, as PIE does (no clipping of correct slowdowns, though). `None` takes the
    median over correct, timed tasks only (None when there are none).
    """
    values = []
    for o in _outcomes_for(outcomes, task_ids):
        if o.correct and o.speedup is not None:
            values.append(o.speedup)
        elif incorrect_as is not None:
            values.append(incorrect_as)
    return statistics.median(values) if values else None


def average_rank(
    scores: Mapping[str, Mapping[str, Outcome]], task_ids: Sequence[str]
) -> dict[str, float]:
    """Average rank of each method across tasks; rank 1 is best, ties get the mean rank.

    A method's score on a task is its best speedup; incorrect or missing results rank below
    every correct one (and tie among themselves), since any correct program beats none.
    Two speedups whose intervals overlap are a tie (the same program judged twice comes out
    12.64x and 12.81x: no method won that task). On a task, a method's rank is 1 + the
    methods that beat it + half the others it ties with: the usual mean rank of a tie group
    when ties are exact, and defined as well when they are not transitive (a ties b, b
    ties c, a beats c).
    """
    methods = sorted(scores)
    if not methods:
        raise ValueError("average_rank needs at least one method")
    tables = {m: _outcomes_for(scores[m], task_ids) for m in methods}
    total = np.zeros(len(methods))
    for i in range(len(task_ids)):
        row = [tables[m][i] for m in methods]
        for j, mine in enumerate(row):
            others = [o for k, o in enumerate(row) if k != j]
            beaten_by = sum(beats(o, mine) for o in others)
            ties = sum(not beats(o, mine) and not beats(mine, o) for o in others)
            total[j] += 1 + beaten_by + 0.5 * ties
    return {m: float(total[j] / len(task_ids)) for j, m in enumerate(methods)}


def beats(a: Outcome, b: Outcome) -> bool:
    """`a` is better than `b` on one task: correct where `b` is not, or faster with intervals
    that do not overlap (exact values where an interval is unknown)."""
    if a.correct != b.correct:
        return a.correct
    if not a.correct:
        return False
    sa, sb = a.speedup if a.speedup is not None else 0.0, b.speedup if b.speedup is not None else 0.0
    low_a = a.speedup_ci[0] if a.speedup_ci else sa
    high_b = b.speedup_ci[1] if b.speedup_ci else sb
    return sa > sb and low_a > high_b
