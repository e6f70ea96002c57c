"""What a sound judge must say about a shipped variant, and whether it said it.

Built-in suites ship labelled variants (`faster`, `wrong`, ...). Each label comes with an
expectation: the correctness verdict, and for correct variants a claim about speed. The
`suite check` command judges every variant and compares the judge's `Evaluation` with the
expectation; any contradiction means the suite, or the judge, is not sound.

Speed claims (speedup = baseline time / variant time, with its confidence interval):
- `faster`:   significantly faster: the judge calls it significant, the interval above 1.
- `slower`:   not significantly faster.
- `marginal`: a gain too small to promise; only a clear slowdown contradicts it: a
              significant result whose whole interval lies below `MARGINAL_FLOOR`.
- `same`:     the baseline against itself (A/A): the interval must overlap the no-change
              band [1 - SAME_BAND, 1 + SAME_BAND]; a noisy machine can make a 0.99-1.01
              interval "significant", which is not a real difference.
- `parity`:   no speed claim; only correctness is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from maxcode.records.evaluation import Evaluation

SPEEDS = ("faster", "slower", "marginal", "same", "parity")
MARGINAL_FLOOR = 0.95
"""A `marginal` variant contradicts its label only when even the interval's top is below this."""
UNCAUGHT_STATUSES = ("compile_error",)
"""Failures of an incorrect variant that say nothing about its bug (shipped variants build)."""
SAME_BAND = 0.05
"""Half-width of the band an A/A interval must touch (timer noise, not a program change)."""


@dataclass(frozen=True)
class Expectation:
    """The verdict a shipped variant must get."""

    label: str
    """Variant label in the suite (`faster`, `wrong`, `cpu`, ... or `baseline`)."""
    expect_correct: bool
    expect_speed: str | None = None
    """One of SPEEDS for correct variants; None for incorrect ones."""
    device: str = "cpu"
    """`cpu` or `cuda` (skipped where no GPU is visible)."""

    def __post_init__(self) -> None:
        if self.expect_correct and self.expect_speed not in SPEEDS:
            raise ValueError(f"variant {self.label!r}: expect_speed must be one of {SPEEDS}")
        if not self.expect_correct and self.expect_speed is not None:
            raise ValueError(f"variant {self.label!r}: an incorrect variant has no speed claim")

    @classmethod
    def from_spec(cls, label: str, spec: Mapping[str, Any]) -> Expectation:
        """From a suite index entry `{expect_correct, expect_speed, device}`."""
        return cls(
            label=label,
            expect_correct=bool(spec["expect_correct"]),
            expect_speed=spec.get("expect_speed"),
            device=spec.get("device", "cpu"),
        )


BASELINE = Expectation(label="baseline", expect_correct=True, expect_speed="same")
"""The baseline judged against itself: correct on all its tests, no change in speed."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    """The evaluation agrees with the expectation."""
    reason: str
    """Why, in a few words."""


def _interval(ev: Evaluation) -> str:
    if ev.speedup is None:
        return "no speedup"
    if ev.speedup_ci is None:
        return f"{ev.speedup:.2f}x"
    return f"{ev.speedup:.2f}x [{ev.speedup_ci[0]:.2f}, {ev.speedup_ci[1]:.2f}]"


def verdict(expect: Expectation, ev: Evaluation) -> Verdict:
    """Compare one evaluation with what its label promises."""
    status = getattr(ev.status, "value", ev.status)
    if not expect.expect_correct:
        if ev.correct:
            return Verdict(False, f"accepted ({status}) a variant that must be rejected")
        if status in UNCAUGHT_STATUSES:
            # The judge never ran the program, so it did not catch the bug the variant carries.
            return Verdict(False, f"{status} before any test ran: {ev.message}")
        return Verdict(True, f"rejected: {status}")
    if not ev.correct:
        return Verdict(False, f"expected correct, got {status}: {ev.message}")
    speed = expect.expect_speed
    if speed == "parity":
        return Verdict(True, f"correct, {_interval(ev)}")
    if ev.speedup is None:
        return Verdict(False, f"correct but not timed, cannot check '{speed}'")
    low, high = ev.speedup_ci if ev.speedup_ci is not None else (ev.speedup, ev.speedup)
    # Only the judge's own significance counts: with too few rounds its "interval" is the
    # observed range, which proves nothing either way.
    faster = ev.significant and low > 1.0
    if speed == "faster":
        if faster:
            return Verdict(True, f"significantly faster, {_interval(ev)}")
        return Verdict(False, f"not significantly faster, {_interval(ev)}")
    if speed == "slower":
        if faster:
            return Verdict(False, f"significantly faster, {_interval(ev)}")
        return Verdict(True, f"not faster, {_interval(ev)}")
    if speed == "marginal":
        if ev.significant and high < MARGINAL_FLOOR:
            return Verdict(False, f"clearly slower, {_interval(ev)}")
        return Verdict(True, f"no clear slowdown, {_interval(ev)}")
    # same (A/A)
    if ev.significant and (high < 1.0 - SAME_BAND or low > 1.0 + SAME_BAND):
        return Verdict(False, f"A/A differs beyond noise, {_interval(ev)}")
    return Verdict(True, f"A/A within noise, {_interval(ev)}")
