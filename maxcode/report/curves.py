"""Best-so-far speedup against what was spent: per run, and per method over many runs.

A run's curve walks its nodes in the order they were recorded and keeps, after each, the
best claimable speedup so far (1.0 until a claim can be made: the user keeps the original)
against the cumulative evaluations, LLM calls, dollars and wall seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maxcode.records.node import Node, best_so_far
from maxcode.search_tree import SearchTree

AXES = {
    "evaluations": "judge evaluations",
    "llm_calls": "LLM calls",
    "dollars": "dollars",
    "wall_s": "wall time (s)",
}
"""x-axis key -> label; every run curve has all four."""


@dataclass
class Curve:
    """Step function: after spending x[i] (on each axis), the best so far is y[i]."""

    x: dict[str, list[float]]
    y: list[float]


def run_curve(tree: SearchTree) -> Curve:
    xs: dict[str, list[float]] = {k: [0.0] for k in AXES}
    ys = [1.0]
    for _, spent, best in best_so_far(tree.nodes):
        for k, value in (("evaluations", spent.evaluations), ("llm_calls", spent.llm_calls),
                         ("dollars", spent.cost_usd), ("wall_s", spent.wall_s)):
            xs[k].append(float(value))
        ys.append(best)
    return Curve(x=xs, y=ys)


def curve_from_nodes(nodes: list[Node]) -> Curve:
    return run_curve(SearchTree(nodes))


def value_at(curve: Curve, axis: str, grid: np.ndarray) -> np.ndarray:
    """The best so far at each budget in `grid` (the last value holds after the run ended)."""
    x = np.asarray(curve.x[axis])
    idx = np.searchsorted(x, grid, side="right") - 1
    return np.asarray(curve.y)[np.clip(idx, 0, len(x) - 1)]


@dataclass
class Band:
    """Median over runs of the best so far, with a 95% bootstrap interval of that median."""

    grid: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    runs: int


def band(curves: list[Curve], axis: str, points: int = 60, resamples: int = 400, seed: int = 0) -> Band | None:
    """None when no run spent anything on `axis` (e.g. dollars with a free proposer)."""
    top = max((c.x[axis][-1] for c in curves), default=0.0)
    if not curves or top <= 0:
        return None
    grid = np.linspace(0.0, top, points)
    values = np.stack([value_at(c, axis, grid) for c in curves])  # runs x points
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(curves), size=(resamples, len(curves)))
    medians = np.median(values[picks], axis=1)  # resamples x points
    return Band(grid=grid, median=np.median(values, axis=0), low=np.percentile(medians, 2.5, axis=0),
                high=np.percentile(medians, 97.5, axis=0), runs=len(curves))


def best_curve(tree: SearchTree) -> list[tuple[int, float]]:
    """(step, best claimable speedup after that step); 1.0 until a claim can be made."""
    best_by_step: dict[int, float] = {}
    for n in tree.nodes:
        if n.claim is not None:
            best_by_step[n.step] = max(best_by_step.get(n.step, 1.0), n.claim)
    best, curve = 1.0, []
    for step in range(1, tree.last_step() + 1):
        best = max(best, best_by_step.get(step, 1.0))
        curve.append((step, best))
    return curve
