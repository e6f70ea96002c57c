"""Wall timer decisions that need no sandbox: batch sizing within the time budget."""

from __future__ import annotations

import pytest
from maxcode.sandbox.timing.stats import SpeedupEstimate
from maxcode.sandbox.timing.wall import WallTimer


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
    timer = WallTimer(target_relative_width=0.05, sequential=False)
    # Width 0.10 at 12 rounds: about 4x the rounds are needed, so ~36 more.
    n = timer._next_batch_size(12, _estimate(0.10), round_s=0.001, overhead_s=0.0, seconds_left=100.0)
    assert 30 <= n <= 40
    # Never beyond max_rounds.
    capped = WallTimer(max_rounds=20, sequential=False)
    assert capped._next_batch_size(12, _estimate(0.5), round_s=0.001, overhead_s=0.0, seconds_left=100.0) == 8


class _ClockedBackend:
    """Stands in for a sandbox in this test of the timer's loop alone: each step 'takes' a
    fixed time (baseline 1.0 s, candidate 0.5 s, a little jitter) on a fake host clock."""

    name = "fake"

    def __init__(self, scale: float = 1.0) -> None:
        self.now, self.calls, self.jitter, self.scale = 0.0, 0, 0, scale

    def monotonic(self) -> float:
        return self.now

    def run(self, spec):
        from maxcode.sandbox.run_spec import RunResult, StepResult

        self.calls += 1
        steps = []
        for step in spec.steps:
            self.jitter = (self.jitter + 7) % 11
            t = (1.0 if step.label.startswith("baseline/") else 0.5) * (1 + 0.001 * self.jitter) * self.scale
            steps.append(StepResult(label=step.label, exit_code=0, wall_time_s=t))
            self.now += t
        self.now += 0.2  # backend overhead per batch
        return RunResult(steps=steps, host_time_s=sum(s.wall_time_s for s in steps) + 0.2)


def test_slow_program_gets_an_interval_past_max_seconds(monkeypatch, tmp_path) -> None:
    import maxcode.sandbox.timing.wall as wall
    from maxcode.records.testcases import TestCase
    from maxcode.sandbox.run_spec import Limits
    from maxcode.sandbox.timing.base import TimingJob

    backend = _ClockedBackend()
    monkeypatch.setattr(wall, "time", backend)
    (tmp_path / "in.txt").write_text("1\n")
    job = TimingJob(baseline=tmp_path / "a", candidate=tmp_path / "b", limits=Limits(),
                    tests=[TestCase("0", str(tmp_path / "in.txt"), str(tmp_path / "out.txt"))],
                    round_estimate_s=1.5)
    # 1.5 s rounds and a 4 s cap: two rounds at most by the cap, an interval needs six.
    m = WallTimer(max_seconds=4.0, interval_max_seconds=60.0, sequential=False).measure(backend, job)
    assert m.estimate is not None and m.estimate.has_interval and m.estimate.significant
    assert 6 <= len(m.baseline_times_s) < 12 and 2.0 - 0.05 < m.estimate.speedup < 2.0 + 0.05
    assert backend.now < 30  # stopped as soon as the interval existed, far below 60 s
    # Without the extension the same program stops at the cap with no interval, no claim.
    backend.now = 0.0
    short = WallTimer(max_seconds=4.0, interval_max_seconds=4.0, sequential=False).measure(backend, job)
    assert not short.estimate.has_interval and not short.estimate.significant


def _job(tmp_path, **fields):
    from maxcode.records.testcases import TestCase
    from maxcode.sandbox.run_spec import Limits
    from maxcode.sandbox.timing.base import TimingJob

    (tmp_path / "in.txt").write_text("1\n")
    return TimingJob(baseline=tmp_path / "a", candidate=tmp_path / "b", limits=Limits(),
                     tests=[TestCase("0", str(tmp_path / "in.txt"), str(tmp_path / "out.txt"))],
                     round_estimate_s=0.015, **fields)


def test_a_clear_speedup_stops_as_soon_as_it_is_decided(monkeypatch, tmp_path) -> None:
    import maxcode.sandbox.timing.wall as wall

    backend = _ClockedBackend(scale=0.01)  # 15 ms rounds, 2x
    monkeypatch.setattr(wall, "time", backend)
    m = WallTimer(max_seconds=10.0).measure(backend, _job(tmp_path))
    assert m.details["stop_reason"] == "faster" and m.estimate.significant
    assert m.estimate.method == "sequential-sign" and m.estimate.ci_low <= 2.0 <= m.estimate.ci_high * 1.01
    assert len(m.baseline_times_s) <= 16 and backend.now < 1.0  # not the 10 s cap
    # The same program with the full budget runs until the interval is 5% wide.
    backend.now = 0.0
    full = WallTimer(max_seconds=10.0).measure(backend, _job(tmp_path, full_budget=True))
    assert full.details["stop_reason"] == "target_width" and full.estimate.method == "sign"


def test_a_candidate_below_the_incumbent_is_dropped(monkeypatch, tmp_path) -> None:
    import maxcode.sandbox.timing.wall as wall

    backend = _ClockedBackend(scale=0.01)
    monkeypatch.setattr(wall, "time", backend)
    # Band 0.5: a 2x alone decides nothing; the best so far (>= 3x) does.
    m = WallTimer(max_seconds=10.0, min_relative_change=1.5).measure(backend, _job(tmp_path, incumbent=3.0))
    assert m.details["stop_reason"] == "below_incumbent" and m.estimate.ci_high < 3.0
    assert m.details["incumbent"] == 3.0
