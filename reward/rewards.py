"""Reward functions and max-reward returns (MaxCode; Veviurko et al., "To the Max").

Reward of one judged candidate: its speedup `T_baseline / T_candidate` when it is correct,
else 0, the lower bound (failures of every kind). Rewards are therefore already >= 0, the
shift the max-reward formulation needs.

Why any correct candidate earns its measured speedup, significant or not: the search needs a
graded signal (a correct 0.98x rewrite is a better parent than a crash), and the point
estimate is the judge's best guess. The *answer* of a search is stricter (see
`maxcode.records.evaluation.is_claimable`): only a correct candidate whose interval lies above 1.0 may be claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from maxcode.records.evaluation import Evaluation, Status

FAILURE_REWARD = 0.0


@dataclass
class SpeedupReward:
    """r = speedup if the candidate is correct, else 0."""

    require_significant: bool = False
    """When true, a correct candidate whose interval does not exclude 1.0 earns 1.0 (no
    change) instead of its point estimate, so noise cannot rank candidates."""

    def __call__(self, evaluation: Evaluation) -> float:
        if evaluation.status is not Status.OK or not evaluation.correct:
            return FAILURE_REWARD
        if evaluation.speedup is None:
            return FAILURE_REWARD
        if self.require_significant and not evaluation.significant:
            return 1.0
        return float(evaluation.speedup)


def update_y(y: float, r: float, gamma: float = 1.0) -> float:
    """Best-discounted reward so far: `y <- max(y, r) / gamma` (To the Max, Alg. 1)."""
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma must be in (0, 1], got {gamma}")
    return max(y, r) / gamma


def max_reward_returns(rewards: Sequence[float], gamma: float = 1.0) -> list[float]:
    """Max-reward return of every step: `G_t = max(r_t, gamma * G_{t+1})`.

    The target a reward-to-go model learns: the best discounted reward reachable from step t.
    """
    returns = [0.0] * len(rewards)
    running = float("-inf")
    for t in range(len(rewards) - 1, -1, -1):
        running = max(float(rewards[t]), gamma * running)
        returns[t] = running
    return returns
