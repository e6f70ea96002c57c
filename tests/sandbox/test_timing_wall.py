"""Wall timer decisions that need no sandbox: batch sizing within the time budget."""

from __future__ import annotations

import pytest

from sandbox.timing.stats import SpeedupEstimate
from sandbox.timing.wall import WallTimer


def _estimate(width: float) -> SpeedupEstimate:
    return SpeedupEstimate(1.0, 1.0 - width / 2, 1.0 + width / 2, 12, False)


def test_defaults_follow_the_sign_test() -> None:
    timer = WallTimer()
    assert timer.min_rounds == 12  # twice the 6 rounds of the first 95% sign-test interval
    with pytest.raises(ValueError, match="max_rounds"):
        WallTimer(min_rounds=20, max_rounds=10)


def test_first_batch_reaches_min_rounds_when_affordable() -> None:
    timer = WallTimer(max_seconds=10.0)
    assert timer._next_batch_size(0, None, round_s=0.01, overhead_s=0.2, seconds_left=10.0) == 12


def test_batches_respect_the_time_left() -> None:
    timer = WallTimer(max_seconds=10.0, max_batch_seconds=5.0)
    # 1 s rounds, 3 s left: two rounds plus the warm-up fit.
    assert timer._next_batch_size(0, None, round_s=1.0, overhead_s=0.0, seconds_left=3.0) == 2
    # A program slower than the whole budget still gets one round (a point estimate).
    assert timer._next_batch_size(0, None, round_s=30.0, overhead_s=0.0, seconds_left=10.0) == 1
    # One batch never exceeds max_batch_seconds, so the stopping rule is checked often.
    assert timer._next_batch_size(12, _estimate(0.5), round_s=0.01, overhead_s=0.0, seconds_left=100.0) <= 499


def test_later_batches_aim_at_the_target_width() -> None:
    timer = WallTimer(target_relative_width=0.05)
    # Width 0.10 at 12 rounds: about 4x the rounds are needed, so ~36 more.
    n = timer._next_batch_size(12, _estimate(0.10), round_s=0.001, overhead_s=0.0, seconds_left=100.0)
    assert 30 <= n <= 40
    # Never beyond max_rounds.
    capped = WallTimer(max_rounds=20)
    assert capped._next_batch_size(12, _estimate(0.5), round_s=0.001, overhead_s=0.0, seconds_left=100.0) == 8
