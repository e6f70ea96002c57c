"""Reward of a verdict and the max-reward bookkeeping."""

import pytest
from maxcode.records.evaluation import Evaluation, Status, is_claimable
from maxcode.reward.rewards import SpeedupReward, max_reward_returns, update_y


def ok(speedup, ci, significant=True):
    return Evaluation(status=Status.OK, correct=True, speedup=speedup, speedup_ci=ci, significant=significant)


def test_reward_is_speedup_when_correct_else_zero():
    reward = SpeedupReward()
    assert reward(ok(2.5, (2.4, 2.6))) == 2.5
    assert reward(ok(0.8, (0.7, 0.9))) == 0.8
    assert reward(Evaluation.failure(Status.COMPILE_ERROR, "x")) == 0.0
    assert reward(Evaluation.failure(Status.TIMEOUT, "x")) == 0.0


def test_require_significant_flattens_noise_to_no_change():
    assert SpeedupReward(require_significant=True)(ok(1.03, (0.97, 1.09), significant=False)) == 1.0
    assert SpeedupReward(require_significant=True)(ok(1.5, (1.4, 1.6))) == 1.5


def test_only_a_significant_speedup_above_one_is_claimable():
    assert is_claimable(ok(1.5, (1.4, 1.6)))
    assert not is_claimable(ok(1.03, (0.97, 1.09), significant=False))
    assert not is_claimable(ok(0.5, (0.45, 0.55)))  # significant, but a slowdown
    assert not is_claimable(Evaluation.failure(Status.WRONG_ANSWER, "x"))
    assert not is_claimable(None)


def test_y_update_and_max_reward_returns():
    assert update_y(0.0, 2.0) == 2.0
    assert update_y(2.0, 1.0) == 2.0
    assert update_y(1.0, 1.8, gamma=0.9) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        update_y(0.0, 1.0, gamma=0.0)
    assert max_reward_returns([1.0, 0.0, 3.0, 2.0]) == [3.0, 3.0, 3.0, 2.0]
    assert max_reward_returns([1.0, 0.0, 4.0], gamma=0.5) == [1.0, 2.0, 4.0]
