"""`rtg eval`'s claims: paired differences per pool with intervals over tasks, and Spearman
within a task."""

from __future__ import annotations

from maxcode.reward.evaluate import metrics, over_tasks, table


def _pool(task: str, run: str, returns: list[float]) -> list[dict]:
    return [{"task_id": task, "run": run, "parent_id": 0, "step": 1, "index": i, "node_id": i + 1, "return": g}
            for i, g in enumerate(returns)]


def test_a_model_that_finds_the_best_first_is_better_than_proposer_order_with_an_interval():
    # In every pool the proposer's order puts the best last; the model scores it first.
    examples, scores = [], []
    for t in range(6):
        pool = _pool(f"t{t}", f"r{t}", [1.0, 1.1, 3.0])
        examples += pool
        scores += [0.1, 0.2, 0.9]
    result = metrics(examples, scores)
    diff = result["evaluations_to_best_difference"]["model_minus_proposer"]
    assert diff["mean"] == -2.0 and diff["ci"] == [-2.0, -2.0] and diff["tasks"] == 6
    assert result["spearman_within_task"]["mean"] == 1.0
    text = " ".join(table(result).split())  # the column width follows the longest label
    assert "model - proposer (95% CI) -2.000 [-2.000, -2.000] over 6 tasks" in text
    # The proposer needed 3 judgements a pool; a perfect order needs 1: the model took all of that room.
    assert "model vs proposer (pooled) -66.7% (a perfect order: -66.7%)" in text


def test_the_interval_is_over_tasks_not_pools():
    # One task with many pools where the model wins, one where it loses: two tasks, so the
    # interval spans both, however many pools the first has.
    got = over_tasks({"a": [-2.0] * 50, "b": [2.0]})
    assert got["mean"] == 0.0 and got["ci"][0] < -1.0 < 1.0 < got["ci"][1] and got["tasks"] == 2
    assert over_tasks({"a": [1.0, 2.0]}) == {"mean": 1.5, "ci": None, "tasks": 1}


def test_returns_whose_intervals_overlap_tie_for_best():
    # 1.004x and 1.006x of one program judged twice: either is the pool's best; a third
    # candidate's 0.5x is not. The model that scores the 1.004x first has found the best at once.
    pool = _pool("t", "r", [0.5, 1.006, 1.004])
    pool[1]["return_ci"], pool[2]["return_ci"] = [0.97, 1.04], [0.96, 1.05]
    pool[0]["return_ci"] = [0.45, 0.55]
    result = metrics(pool, [0.1, 0.2, 0.9])
    assert result["evaluations_to_best"]["model"] == 1.0
    assert result["evaluations_to_best"]["proposer"] == 2.0
    # Without intervals the raw values decide, as in datasets written before return_ci.
    for e in pool:
        del e["return_ci"]
    assert metrics(pool, [0.1, 0.2, 0.9])["evaluations_to_best"]["model"] == 2.0


def test_judge_seconds_to_95pct_of_the_best_price_an_order_in_what_judging_cost():
    # Proposer order: a slow-to-judge 1.0x (40 s), a 1.1x (5 s), then the 3.0x (10 s); the
    # model judges the 3.0x first: 10 s against 55 s, in every pool of 4 tasks.
    examples, scores = [], []
    for t in range(4):
        pool = _pool(f"t{t}", f"r{t}", [1.0, 1.1, 3.0])
        for e, s in zip(pool, (40.0, 5.0, 10.0), strict=True):
            e["judge_s"] = s
        examples += pool
        scores += [0.1, 0.2, 0.9]
    seconds = metrics(examples, scores)["judge_seconds_to_95pct"]
    assert seconds["model"] == 10.0 and seconds["proposer"] == 55.0 and seconds["pools"] == 4
    assert seconds["model_minus_proposer"]["mean"] == -45.0 and seconds["model_minus_proposer"]["tasks"] == 4
    text = " ".join(table(metrics(examples, scores)).split())
    assert "judge seconds to 95% of best, model vs proposer (pooled) -81.8%" in text
    # 2.9x is within 95% of 3.0x: judging it first is as good as the best.
    near = _pool("t", "r", [2.9, 1.0, 3.0])
    for e, s in zip(near, (7.0, 1.0, 1.0), strict=True):
        e["judge_s"] = s
    assert metrics(near, [0.1, 0.2, 0.9])["judge_seconds_to_95pct"]["proposer"] == 7.0
    # A pool with a verdict that has no seconds (an older dataset) is not priced.
    del examples[0]["judge_s"]
    assert metrics(examples, scores)["judge_seconds_to_95pct"]["pools"] == 3
    assert "n/a (the data's verdicts carry no judge seconds)" in table(metrics(_pool("t", "r", [1.0, 2.0]), [0.0, 1.0]))
