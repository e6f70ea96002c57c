"""Pictures drawn with matplotlib, returned as inline SVG text (or written as PNG)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from maxcode.report.curves import AXES, Band, Curve

STATUS_COLORS = {
    "baseline": "#6e9bd1",
    "ok": "#4ac26b",
    "compile_error": "#f0883e",
    "runtime_error": "#bf8700",
    "wrong_answer": "#e5534b",
    "timeout": "#a371f7",
    "memory_exceeded": "#8250df",
    "rejected": "#8b0000",
    "no_code": "#afb8c1",
    "skipped": "#eaeef2",
    "not_novel": "#d0d7de",
    "judge_error": "#24292f",
    "failed": "#57606a",
}
"""Node status -> colour, shared by the tree picture, the bars and the legends."""

METHOD_COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#e16f24", "#57606a"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text: smaller pages, selectable labels
    plt.rcParams["svg.hashsalt"] = "maxcode"  # stable ids: the same run gives the same page
    return plt


def _svg(fig) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.find("<svg"):]


def run_curves_svg(curve: Curve) -> str:
    """Best-so-far speedup against each spending axis, one panel each."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.0))
    for ax, (key, label) in zip(axes, AXES.items(), strict=True):
        x = curve.x[key]
        if x[-1] <= 0:
            ax.text(0.5, 0.5, f"nothing spent on\n{label}", ha="center", va="center",
                    transform=ax.transAxes, color="#57606a")
            ax.set_xticks([])
        else:
            ax.step(x, curve.y, where="post", color="#0969da")
            ax.plot(x[-1:], curve.y[-1:], "o", color="#0969da", markersize=4)
        ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xlabel(label)
        ax.set_ylabel("best verified speedup (x)" if key == "evaluations" else "")
    fig.suptitle("best verified speedup so far", fontsize=11)
    fig.tight_layout()
    return _svg(fig)


def best_speedup_png(curve: list[tuple[int, float]] | list[list[float]], path: Path) -> None:
    """The best-speedup-by-step plot beside report.md (`best_speedup.png`)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    if curve:
        steps, best = zip(*curve, strict=True)
        ax.step(steps, best, where="post")
        ax.plot(steps, best, "o", markersize=3)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xlabel("step")
    ax.set_ylabel("best verified speedup (x)")
    ax.set_title("best speedup so far")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def sweep_curves_svg(bands: dict[str, dict[str, Band | None]]) -> str:
    """Per method (colour), median best-so-far with its 95% band, one panel per axis."""
    plt = _pyplot()
    keys = ["evaluations", "llm_calls", "dollars"]
    fig, axes = plt.subplots(1, len(keys), figsize=(13, 3.4))
    for ax, key in zip(axes, keys, strict=True):
        drawn = False
        for i, (method, by_axis) in enumerate(sorted(bands.items())):
            b = by_axis.get(key)
            if b is None:
                continue
            color = METHOD_COLORS[i % len(METHOD_COLORS)]
            ax.fill_between(b.grid, b.low, b.high, step="post", color=color, alpha=0.18, linewidth=0)
            ax.step(b.grid, b.median, where="post", color=color, label=f"{method} ({b.runs} runs)")
            drawn = True
        if not drawn:
            ax.text(0.5, 0.5, f"nothing spent on\n{AXES[key]}", ha="center", va="center",
                    transform=ax.transAxes, color="#57606a")
            ax.set_xticks([])
        else:
            ax.legend(fontsize=7, loc="lower right")
        ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_xlabel(AXES[key])
        ax.set_ylabel("best verified speedup (x)" if key == "evaluations" else "")
    fig.suptitle("median best-so-far over tasks and seeds (band: 95% bootstrap interval of the median)",
                 fontsize=10)
    fig.tight_layout()
    return _svg(fig)


def heatmap_svg(tasks: list[str], methods: list[str], values: list[list[float | None]],
                labels: list[list[str]]) -> str:
    """Task x method best speedups on a log colour scale centred at 1x."""
    plt = _pyplot()
    from matplotlib.colors import TwoSlopeNorm

    data = np.array([[math.log2(v) if v and v > 0 else np.nan for v in row] for row in values], dtype=float)
    finite = data[np.isfinite(data)]
    span = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    width = min(3 + 1.6 * len(methods), 16)
    height = min(1.2 + 0.32 * len(tasks), 40)
    fig, ax = plt.subplots(figsize=(width, height))
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#d0d7de")
    image = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, aspect="auto",
                      norm=TwoSlopeNorm(vmin=-span, vcenter=0.0, vmax=span))
    ax.set_xticks(range(len(methods)), methods, rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(len(tasks)), tasks, fontsize=7)
    if len(tasks) * len(methods) <= 600:
        for r, row in enumerate(labels):
            for c, text in enumerate(row):
                ax.text(c, r, text, ha="center", va="center", fontsize=7)
    bar = fig.colorbar(image, ax=ax, fraction=0.04)
    bar.set_label("log2 best speedup (0 = 1x)", fontsize=8)
    ax.set_title("best speedup per task and method (median over seeds)", fontsize=10)
    fig.tight_layout()
    return _svg(fig)


def status_bars_svg(counts: dict[str, dict[str, int]]) -> str:
    """Stacked bars: the share of each node status per method."""
    plt = _pyplot()
    methods = sorted(counts)
    statuses = [s for s in STATUS_COLORS if any(counts[m].get(s) for m in methods)]
    fig, ax = plt.subplots(figsize=(min(3 + 1.4 * len(methods), 14), 3.2))
    bottom = np.zeros(len(methods))
    for status in statuses:
        totals = np.array([max(1, sum(counts[m].values())) for m in methods], dtype=float)
        share = np.array([counts[m].get(status, 0) for m in methods], dtype=float) / totals
        ax.bar(methods, share, bottom=bottom, color=STATUS_COLORS[status], label=status, edgecolor="white")
        bottom += share
    ax.set_ylabel("share of nodes")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.set_title("node statuses per method", fontsize=10)
    fig.tight_layout()
    return _svg(fig)


def calibration_svg(predicted: list[float], low: list[float], high: list[float], measured: list[float]) -> str:
    """Forecast speedup (with its 90% interval) against measured speedup, log-log, with the
    diagonal where a perfect forecast would lie: a reliability plot for a cost model."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    p, m = np.asarray(predicted), np.asarray(measured)
    inside = (np.asarray(low) <= m) & (m <= np.asarray(high))
    errors = np.vstack([p - np.asarray(low), np.asarray(high) - p])
    for mask, color, label in ((inside, "#0969da", "measured inside the 90% interval"),
                               (~inside, "#cf222e", "measured outside")):
        if mask.any():
            ax.errorbar(p[mask], m[mask], xerr=errors[:, mask], fmt="o", markersize=4, color=color,
                        ecolor=color, alpha=0.75, elinewidth=0.8, label=label)
    span = [min(p.min(), m.min(), *low) * 0.9, max(p.max(), m.max(), *high) * 1.1]
    ax.plot(span, span, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    # Speedups read as plain numbers at powers of two (log axes' default labels crowd).
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator
    ticks = [t for t in (2.0 ** k for k in range(-6, 7)) if span[0] <= t <= span[1]] or [1.0]
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_minor_locator(NullLocator())
        axis.set_minor_formatter(NullFormatter())
        axis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.set_xlim(span)
    ax.set_ylim(span)
    ax.set_xlabel("forecast speedup (x), before judging")
    ax.set_ylabel("measured speedup (x)")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return _svg(fig)
