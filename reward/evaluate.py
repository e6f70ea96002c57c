"""How well a scorer ranks held-out candidates.

- Spearman between score and realised return over the held-out examples;
- top-1 accuracy per sibling pool (the candidates proposed from one parent in one run):
  the share of pools whose highest-scored candidate has the pool's best return (pools
  whose returns are all tied are not counted; returns tie when their intervals overlap,
  `best_of_pool`);
- evaluations-to-best: how many candidates of a pool are judged before (and including) the
  first one with the pool's best return, judging in the scorer's order, in proposer order,
  and in random order (expected: (n + 1) / (b + 1) for n candidates of which b are best);
- judge seconds to 95% of the best: the judge seconds (recorded per candidate) spent judging
  a pool in an order up to the first candidate within 95% of the pool's best return, model
  order against proposer order, where every candidate of the pool has its seconds: what a
  user pays for, where evaluations-to-best counts a 2-second and a 60-second judgement alike;
- best return at equal budget: the best return among the first m judged, per order;
- the claims, as paired differences with 95% intervals bootstrapped over *tasks* (a task's
  pools are not independent of one another): evaluations-to-best of the model's order minus
  the proposer's and minus random's, per pool; and Spearman within each task, averaged
  (pooled across tasks it rewards telling easy tasks from hard ones, not ranking siblings).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from maxcode.reward.errors import DatasetError


def held_out(examples: Sequence[dict[str, Any]], split: str = "test") -> list[dict[str, Any]]:
    chosen = [e for e in examples if e.get("split") == split]
    if not chosen:
        raise DatasetError(f"the data file has no `{split}` examples (its held-out split is empty)",
                           "rebuild it with more tasks, or name them: `maxcode rtg dataset ... "
                           "test_tasks=[TASK,...]`")
    return chosen


def pools(examples: Sequence[dict[str, Any]]) -> list[list[int]]:
    """Indices of sibling pools with two or more candidates, each in proposer order."""
    groups: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        groups[(e["run"], e["parent_id"])].append(i)
    ordered = [sorted(g, key=lambda i: (examples[i]["step"], examples[i]["index"], examples[i]["node_id"]))
               for _, g in sorted(groups.items(), key=lambda kv: str(kv[0]))]
    return [g for g in ordered if len(g) >= 2]


def best_of_pool(pool: Sequence[int], examples: Sequence[dict[str, Any]]) -> set[int]:
    """The pool's best candidates: the highest return, and every other whose return's
    interval overlaps its interval (1.004x against 1.006x of the same program judged twice
    is a tie, not a ranking). Without recorded intervals (older datasets), exact values."""
    def interval(i: int) -> tuple[float, float]:
        ci = examples[i].get("return_ci")
        g = float(examples[i]["return"])
        return (float(ci[0]), float(ci[1])) if ci else (g, g)

    top = max(pool, key=lambda i: float(examples[i]["return"]))
    low = interval(top)[0]
    return {i for i in pool if interval(i)[1] >= low}


def evals_to_best(order: Sequence[int], best: set[int]) -> int:
    return next(k for k, i in enumerate(order, 1) if i in best)


def seconds_to_near_best(order: Sequence[int], examples: Sequence[dict[str, Any]], share: float = 0.95) -> float | None:
    """Judge seconds spent in `order` up to the first candidate whose return is at least
    `share` of the pool's best; None when a candidate's seconds were not recorded."""
    seconds = [examples[i].get("judge_s") for i in order]
    if any(s is None for s in seconds):
        return None
    target = share * max(float(examples[i]["return"]) for i in order)
    spent = 0.0
    for i, s in zip(order, seconds, strict=True):
        spent += float(s)
        if float(examples[i]["return"]) >= target:
            return spent
    return spent


def spearman(scores: Sequence[float], returns: Sequence[float]) -> float | None:
    from scipy.stats import spearmanr

    if len(scores) < 3 or len(set(scores)) < 2 or len(set(returns)) < 2:
        return None
    value = float(spearmanr(scores, returns).statistic)
    return None if math.isnan(value) else value


def over_tasks(values: dict[str, list[float]], seed: int = 0, resamples: int = 4000) -> dict[str, Any]:
    """Mean of per-task means, and its 95% percentile bootstrap interval resampling tasks."""
    import numpy as np

    means = np.array([float(np.mean(v)) for _, v in sorted(values.items()) if v])
    if len(means) == 0:
        return {"mean": None, "ci": None, "tasks": 0}
    if len(means) == 1:
        return {"mean": float(means[0]), "ci": None, "tasks": 1}
    rng = np.random.default_rng(seed)
    boot = means[rng.integers(0, len(means), size=(resamples, len(means)))].mean(axis=1)
    return {"mean": float(means.mean()), "ci": [float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))],
            "tasks": len(means)}


def metrics(examples: Sequence[dict[str, Any]], scores: Sequence[float],
            budgets: Sequence[int] = (1, 2)) -> dict[str, Any]:
    """Every figure of the module docstring for scored examples."""
    returns = [float(e["return"]) for e in examples]
    found = pools(examples)
    top1_hits, top1_pools = 0, 0
    model_etb, proposer_etb, random_etb = [], [], []
    vs_proposer: dict[str, list[float]] = defaultdict(list)
    vs_random: dict[str, list[float]] = defaultdict(list)
    at_budget: dict[str, dict[int, list[float]]] = {"model": defaultdict(list), "proposer": defaultdict(list)}
    seconds: dict[str, list[float]] = {"model": [], "proposer": []}
    saving: dict[str, list[float]] = defaultdict(list)
    for pool in found:
        model_order = sorted(pool, key=lambda i: -scores[i])  # stable: ties keep proposer order
        best = best_of_pool(pool, examples)
        n_best = len(best)
        if n_best < len(pool):
            top1_pools += 1
            top1_hits += model_order[0] in best
        model_etb.append(evals_to_best(model_order, best))
        proposer_etb.append(evals_to_best(pool, best))
        random_etb.append((len(pool) + 1) / (n_best + 1))
        task = examples[pool[0]].get("task_id", "")
        vs_proposer[task].append(model_etb[-1] - proposer_etb[-1])
        vs_random[task].append(model_etb[-1] - random_etb[-1])
        model_s, proposer_s = seconds_to_near_best(model_order, examples), seconds_to_near_best(pool, examples)
        if model_s is not None and proposer_s is not None:
            seconds["model"].append(model_s)
            seconds["proposer"].append(proposer_s)
            saving[task].append(model_s - proposer_s)
        for m in budgets:
            at_budget["model"][m].append(max(returns[i] for i in model_order[:m]))
            at_budget["proposer"][m].append(max(returns[i] for i in pool[:m]))

    def mean(xs: Sequence[float]) -> float | None:
        return float(sum(xs) / len(xs)) if xs else None

    by_task: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_task[e.get("task_id", "")].append(i)
    within = {t: [rho] for t, idx in by_task.items()
              if (rho := spearman([scores[i] for i in idx], [returns[i] for i in idx])) is not None}
    return {
        "examples": len(examples), "pools": len(found), "pools_with_a_choice": top1_pools,
        "spearman": spearman(scores, returns),
        "spearman_within_task": over_tasks(within),
        # Negative is better: fewer evaluations to the pool's best than the other order.
        "evaluations_to_best_difference": {"model_minus_proposer": over_tasks(vs_proposer),
                                           "model_minus_random": over_tasks(vs_random)},
        "top1_accuracy": top1_hits / top1_pools if top1_pools else None,
        # An oracle judges a pool's best first: 1 per pool, the floor any order can reach.
        "evaluations_to_best": {"model": mean(model_etb), "proposer": mean(proposer_etb),
                                "random_expected": mean(random_etb), "oracle": 1.0 if found else None},
        "mean_pool_size": mean([len(p) for p in found]),
        # Judge seconds to 95% of a pool's best, per order (pools whose seconds were recorded),
        # and the model's minus the proposer's per pool, over tasks (negative: the model saves).
        "judge_seconds_to_95pct": {"model": mean(seconds["model"]), "proposer": mean(seconds["proposer"]),
                                   "pools": len(seconds["model"]),
                                   "model_minus_proposer": over_tasks(saving)},
        "best_return_at_budget": {order: {str(m): mean(v) for m, v in per.items()}
                                  for order, per in at_budget.items()},
    }


def table(result: dict[str, Any]) -> str:
    """The figures of `metrics` as a plain-text table."""

    def fmt(v: Any) -> str:
        if isinstance(v, dict):  # a mean over tasks with its interval
            if v.get("mean") is None:
                return "n/a"
            ci = v.get("ci")
            interval = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else " (one task: no interval)"
            return f"{v['mean']:.3f}{interval} over {v['tasks']} tasks"
        return "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    etb = result["evaluations_to_best"]
    rows = [("held-out examples", result["examples"]), ("sibling pools (>= 2)", result["pools"]),
            ("mean sibling pool size", result.get("mean_pool_size")),
            ("spearman(score, return), pooled", result["spearman"]),
            ("spearman within a task, mean (95% CI)", result.get("spearman_within_task")),
            ("top-1 accuracy per pool", result["top1_accuracy"]),
            ("evaluations-to-best: model order", etb["model"]),
            ("evaluations-to-best: proposer order", etb["proposer"]),
            ("evaluations-to-best: random (expected)", etb["random_expected"])]
    if etb["model"] is not None and etb["proposer"]:
        # Small pools leave little to gain: with pools of 2-3 even a perfect order saves a
        # fraction of an evaluation. Say how much of that room the model took.
        rows.append(("evaluations-to-best, model vs proposer (pooled)", f"{100 * (etb['model'] / etb['proposer'] - 1):+.1f}% "
                     f"(a perfect order: {100 * (1 / etb['proposer'] - 1):+.1f}%)"))
    diff = result.get("evaluations_to_best_difference") or {}
    for key, label in (("model_minus_proposer", "model - proposer"), ("model_minus_random", "model - random")):
        if key in diff:
            rows.append((f"evaluations-to-best, {label} (95% CI)", diff[key]))
    js = result.get("judge_seconds_to_95pct") or {}
    if js.get("pools"):
        rows += [(f"judge seconds to 95% of best: model order ({js['pools']} pools)", js["model"]),
                 ("judge seconds to 95% of best: proposer order", js["proposer"]),
                 ("judge seconds to 95% of best, model - proposer (95% CI)", js["model_minus_proposer"])]
        if js["proposer"]:
            rows.append(("judge seconds to 95% of best, model vs proposer (pooled)",
                         f"{100 * (js['model'] / js['proposer'] - 1):+.1f}%"))
    else:
        rows.append(("judge seconds to 95% of best", "n/a (the data's verdicts carry no judge seconds)"))
    for order, per in result["best_return_at_budget"].items():
        for m, v in per.items():
            rows.append((f"best return in first {m}: {order} order", v))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {fmt(value)}" for name, value in rows)
