"""Metrics against hand-computed examples: clipping, missing results, ties in ranks."""

from __future__ import annotations

import math

import pytest
from maxcode.benchmarks.metrics import (
    INCORRECT,
    Outcome,
    average_rank,
    best_outcome,
    fast_p,
    geomean_speedup,
    median_best_speedup,
    pie_metrics,
)
from maxcode.records.evaluation import Evaluation, Status

TASKS = ["a", "b", "c", "d"]


def ok(speedup: float) -> Evaluation:
    return Evaluation(status=Status.OK, correct=True, speedup=speedup)


def test_best_outcome_counts_only_correct_results() -> None:
    wrong = Evaluation.failure(Status.WRONG_ANSWER, "line 3 differs")
    # A wrong answer is never "best", whatever it would have timed at.
    assert best_outcome([ok(1.5), wrong, ok(3.0), ok(0.8)]) == Outcome(True, 3.0)
    assert best_outcome([wrong, Evaluation.failure(Status.TIMEOUT, "slow")]) == INCORRECT
    assert best_outcome([]) == INCORRECT
    # Correct but never timed (e.g. the timing phase was skipped): correct, no speedup.
    assert best_outcome([Evaluation(status=Status.OK, correct=True)]) == Outcome(True, None)


def test_pie_mean_speedup_clips_below_one_and_counts_missing_as_one() -> None:
    outcomes = {"a": Outcome(True, 2.0), "b": Outcome(True, 0.5), "c": INCORRECT}  # d missing
    m = pie_metrics(outcomes, TASKS)
    # clipped: 2.0, max(1, 0.5) = 1.0, incorrect 1.0, missing 1.0 -> 5.0 / 4
    assert m.mean_speedup == pytest.approx(1.25)
    assert m.percent_correct == pytest.approx(50.0)  # a, b
    assert m.percent_opt == pytest.approx(25.0)  # only a reaches 1.10
    assert m.n_tasks == 4


def test_pie_percent_opt_threshold_is_inclusive_at_1_10() -> None:
    outcomes = {
        "a": Outcome(True, 1.10),
        "b": Outcome(True, 1.0999),
        "c": Outcome(True, 4.0),
        "d": Outcome(True, 1.0),
    }
    m = pie_metrics(outcomes, TASKS)
    assert m.percent_opt == pytest.approx(50.0)  # a (exactly 1.10) and c
    assert m.mean_speedup == pytest.approx((1.10 + 1.0999 + 4.0 + 1.0) / 4)
    assert m.percent_correct == pytest.approx(100.0)


def test_fast_p_is_over_all_tasks_with_missing_as_incorrect() -> None:
    outcomes = {
        "a": Outcome(True, 2.0),
        "b": Outcome(True, 0.9),
        "c": Outcome(True, 1.0),
    }  # d missing
    assert fast_p(outcomes, TASKS, 0) == pytest.approx(3 / 4)  # correctness rate
    assert fast_p(outcomes, TASKS, 1.0) == pytest.approx(1 / 4)  # strictly > 1: only a
    assert fast_p(outcomes, TASKS, 0.5) == pytest.approx(3 / 4)
    assert fast_p(outcomes, TASKS, 2.0) == pytest.approx(0.0)
    assert fast_p({}, TASKS, 0) == 0.0


def test_fast_0_counts_a_correct_untimed_task() -> None:
    assert fast_p({"a": Outcome(True, None)}, ["a", "b"], 0) == pytest.approx(0.5)
    assert fast_p({"a": Outcome(True, None)}, ["a", "b"], 1.0) == 0.0


def test_geomean_speedup_over_correct_tasks_only() -> None:
    outcomes = {"a": Outcome(True, 2.0), "b": Outcome(True, 8.0), "c": INCORRECT}
    assert geomean_speedup(outcomes, TASKS) == pytest.approx(4.0)  # sqrt(2 * 8)
    outcomes["d"] = Outcome(True, 0.5)
    assert geomean_speedup(outcomes, TASKS) == pytest.approx(2.0)  # (2 * 8 * 0.5) ** (1/3)
    assert geomean_speedup({"a": INCORRECT}, TASKS) is None


def test_median_best_speedup_with_and_without_incorrect_tasks() -> None:
    outcomes = {"a": Outcome(True, 3.0), "b": Outcome(True, 0.5), "c": INCORRECT}  # d missing
    # Counting incorrect/missing as 1.0: [3.0, 0.5, 1.0, 1.0] -> median 1.0
    assert median_best_speedup(outcomes, TASKS) == pytest.approx(1.0)
    # Correct only: [3.0, 0.5] -> 1.75
    assert median_best_speedup(outcomes, TASKS, incorrect_as=None) == pytest.approx(1.75)
    assert median_best_speedup({}, TASKS, incorrect_as=None) is None


def test_average_rank_averages_ties_and_ranks_incorrect_last() -> None:
    scores = {
        "best_of_n": {"a": Outcome(True, 2.0), "b": Outcome(True, 1.5), "c": INCORRECT},
        "maxcode": {"a": Outcome(True, 3.0), "b": Outcome(True, 1.5), "c": Outcome(True, 1.2)},
        "refine": {"a": Outcome(True, 2.0), "b": INCORRECT},  # c missing
    }
    ranks = average_rank(scores, ["a", "b", "c"])
    # a: maxcode 1, best_of_n and refine tie for 2-3 -> 2.5 each
    # b: maxcode and best_of_n tie for 1-2 -> 1.5 each, refine 3
    # c: maxcode 1, best_of_n (incorrect) and refine (missing) tie for 2-3 -> 2.5 each
    assert ranks["maxcode"] == pytest.approx((1 + 1.5 + 1) / 3)
    assert ranks["best_of_n"] == pytest.approx((2.5 + 1.5 + 2.5) / 3)
    assert ranks["refine"] == pytest.approx((2.5 + 3 + 2.5) / 3)
    # Ranks of n methods always sum to n(n+1)/2 per task.
    assert sum(ranks.values()) == pytest.approx(6.0)


def test_average_rank_ties_speedups_whose_intervals_overlap() -> None:
    # The same library program judged in two runs: 12.64x and 12.81x, intervals overlapping.
    scores = {
        "beam": {"t": Outcome(True, 12.64, (11.9, 13.3))},
        "tree": {"t": Outcome(True, 12.81, (12.1, 13.6))},
        "refine": {"t": Outcome(True, 2.0, (1.8, 2.2))},
    }
    ranks = average_rank(scores, ["t"])
    assert ranks == {"beam": 1.5, "tree": 1.5, "refine": 3.0}
    # Not transitive: a ties b, b ties c, a beats c. Ranks stay defined and sum to n(n+1)/2.
    chain = {"a": {"t": Outcome(True, 3.0, (2.6, 3.4))}, "b": {"t": Outcome(True, 2.5, (2.1, 2.9))},
             "c": {"t": Outcome(True, 2.0, (1.7, 2.3))}}
    ranks = average_rank(chain, ["t"])
    assert ranks == {"a": 1.5, "b": 2.0, "c": 2.5} and sum(ranks.values()) == 6.0
    # Without intervals, exact values decide as before.
    assert average_rank({"x": {"t": Outcome(True, 1.004)}, "y": {"t": Outcome(True, 1.006)}}, ["t"]) == {
        "x": 2.0, "y": 1.0}


def test_metrics_reject_outcomes_for_unknown_tasks_and_bad_speedups() -> None:
    with pytest.raises(ValueError, match="outside the suite"):
        pie_metrics({"zzz": Outcome(True, 2.0)}, TASKS)
    with pytest.raises(ValueError, match="no speedup"):
        Outcome(False, 2.0)
    with pytest.raises(ValueError, match="positive"):
        Outcome(True, math.inf)
