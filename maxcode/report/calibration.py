"""How far a forecasting ranker's predictions can be trusted: each judged candidate's forecast
(`Node.rank_prediction`, made before it was judged, from the run's earlier measurements only)
against its measured speedup.

A user deciding whether to let the ranker skip programs unjudged wants three numbers: how
often the measured speedup falls inside the forecast's 90% interval (near 90%: the intervals
mean what they say; far below: the model is overconfident, and a skip on its word is a
gamble), how well the forecasts order the programs (Spearman's rho between forecast and
measurement), and the typical factor between them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from maxcode.records.node import Node


@dataclass(frozen=True)
class Point:
    node: int
    predicted: float
    low: float
    high: float
    measured: float


@dataclass(frozen=True)
class Calibration:
    points: list[Point]
    """Judged, correct candidates with a forecast and a measured speedup."""
    failed: int
    """Judged candidates with a forecast that failed (wrong, crashed, timed out): no speedup to
    set against it."""
    coverage: float | None
    """Fraction of `points` whose measurement lies in the forecast's 90% interval."""
    spearman: float | None
    """Rank correlation of forecast and measurement (None under 3 points or with no spread)."""
    typical_factor: float | None
    """exp(median |log measured - log predicted|): the forecast is typically off by this factor."""


def calibration(nodes: list[Node]) -> Calibration | None:
    """The calibration of a run's forecasts; None when no judged node carries one."""
    judged = [n for n in nodes if n.rank_prediction is not None and n.evaluated and n.evaluation is not None]
    if not judged:
        return None
    points = [Point(n.id, n.rank_prediction.speedup, n.rank_prediction.low, n.rank_prediction.high, n.speedup)
              for n in judged if n.correct and n.speedup and n.speedup > 0]
    failed = len(judged) - len(points)
    if not points:
        return Calibration([], failed, None, None, None)
    inside = sum(p.low <= p.measured <= p.high for p in points) / len(points)
    rho = None
    if len(points) >= 3 and len({p.predicted for p in points}) > 1 and len({p.measured for p in points}) > 1:
        rho = float(stats.spearmanr([p.predicted for p in points], [p.measured for p in points]).statistic)
    errors = sorted(abs(math.log(p.measured) - math.log(p.predicted)) for p in points)
    middle = len(errors) // 2
    median = errors[middle] if len(errors) % 2 else (errors[middle - 1] + errors[middle]) / 2
    return Calibration(points, failed, inside, rho, math.exp(median))


def summary_line(c: Calibration) -> str:
    """One sentence for the report."""
    if not c.points:
        return f"{c.failed} forecast candidates were judged and all failed: nothing to calibrate against."
    parts = [f"{len(c.points)} judged candidates had a forecast",
             f"{c.coverage:.0%} of measured speedups fell inside its 90% interval"]
    if c.spearman is not None:
        parts.append(f"Spearman's rho between forecast and measurement {c.spearman:+.2f}")
    parts.append(f"the forecast was typically off by a factor of {c.typical_factor:.2f}")
    tail = f" ({c.failed} more failed and have no speedup)" if c.failed else ""
    return "; ".join(parts) + tail + "."
