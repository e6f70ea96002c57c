"""A sweep's report: per-method best-so-far bands, the papers' metrics with 95% bootstrap
intervals over tasks and seeds (benchmarks/metrics.py), average rank, a task x method heat
map, statuses and cost per method, and a link to every run's report."""

from __future__ import annotations

import functools
import math
import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from benchmarks import metrics
from benchmarks.metrics import INCORRECT, Outcome
from maxcode.report import figures
from maxcode.report.curves import AXES, Band, Curve, band, run_curve, value_at
from maxcode.report.html import Table, esc, fmt_ci, fmt_x, page, section
from maxcode.report.load import RunData, SweepData, load_run, run_dir_of
from records.run import atomic_write

RESAMPLES = 300
"""Bootstrap resamples of the metric intervals (tasks, and a seed per task, drawn again)."""
SEED = 0
"""Seed of the bootstrap, so a report is the same each time it is drawn."""

Metric = Callable[[Mapping[str, Outcome], Sequence[str]], float | None]


@dataclass
class RunEntry:
    """One row of results.jsonl and what its run directory holds."""

    row: dict[str, Any]
    run: RunData | None

    @property
    def task(self) -> str:
        return str(self.row.get("task_id") or (self.run.task_id if self.run else "?"))

    @property
    def method(self) -> str:
        return str(self.row.get("name") or (self.run.method if self.run else "?"))

    @property
    def seed(self) -> str:
        return str(self.row.get("seed", ""))

    @property
    def failed(self) -> bool:
        return self.row.get("status") != "finished"

    def outcome(self) -> Outcome:
        """Correct when a correct program was found; its speedup is the one claimed (1.0
        when none was significant: the user keeps the original program)."""
        if self.failed:
            return INCORRECT
        # Without its run directory, a run counts as correct only when it claimed a speedup.
        correct = bool(self.run.tree.correct()) if self.run and self.run.tree.nodes else \
            bool(self.row.get("best_speedup_ci"))
        speedup = self.row.get("best_speedup")
        if not correct:
            return INCORRECT
        ok = isinstance(speedup, (int, float)) and speedup > 0 and math.isfinite(speedup)
        return Outcome(correct=True, speedup=float(speedup) if ok else None)


@dataclass
class Sweep:
    data: SweepData
    entries: list[RunEntry]
    pending: list[str] = field(default_factory=list)
    """Tasks with runs still to come, left out of the page (a long sweep seen while it runs)."""
    tasks: list[str] = field(init=False)
    methods: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.tasks = sorted({e.task for e in self.entries})
        self.methods = sorted({e.method for e in self.entries})

    def of(self, method: str) -> list[RunEntry]:
        return [e for e in self.entries if e.method == method]

    @property
    def family(self) -> str:
        exts = {e.run.ext for e in self.entries if e.run is not None}
        return "kernel" if exts == {"py"} else ("cpp" if "py" not in exts else "mixed")


def load(data: SweepData) -> Sweep:
    entries = []
    for row in data.rows:
        directory = run_dir_of(data.dir, row)
        run = load_run(directory, light=True) if directory is not None else None
        entries.append(RunEntry(row=row, run=run))
    # A run not yet run is not a run that found nothing: a task is shown once all its planned
    # runs (sweep.yaml's run keys, `{task}__...`) have ended, as in the sweep's summary.md.
    try:
        planned = (yaml.safe_load(data.sweep_yaml) or {}).get("runs") or []
    except yaml.YAMLError:
        planned = []
    ended = {str(e.row.get("run_key")) for e in entries}
    waiting = {str(key).split("__", 1)[0] for key in planned if key not in ended}
    pending = sorted({e.task for e in entries if str(e.row.get("run_key", "")).split("__", 1)[0] in waiting})
    return Sweep(data=data, entries=[e for e in entries if e.task not in pending], pending=pending)


def _by_seed(entries: list[RunEntry]) -> dict[str, dict[str, Outcome]]:
    """seed -> task -> outcome."""
    table: dict[str, dict[str, Outcome]] = {}
    for e in entries:
        table.setdefault(e.seed, {})[e.task] = e.outcome()
    return table


def _interval(values: list[float]) -> tuple[float, float] | None:
    return (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))) if values else None


def metric_with_interval(sweep: Sweep, method: str, fn: Metric) -> tuple[float | None, tuple[float, float] | None]:
    """Mean over seeds of `fn` over every task of the sweep (a missing or failed run counts
    as incorrect), and a 95% bootstrap interval: tasks drawn with replacement, a seed per
    drawn task."""
    by_seed = _by_seed(sweep.of(method))
    seeds = sorted(by_seed)
    if not seeds:
        return None, None
    per_seed = [fn(by_seed[s], sweep.tasks) for s in seeds]
    point_values = [v for v in per_seed if v is not None]
    point = statistics.fmean(point_values) if point_values else None
    rng = np.random.default_rng(SEED)
    draws = []
    n = len(sweep.tasks)
    for _ in range(RESAMPLES):
        task_idx = rng.integers(0, n, size=n)
        seed_idx = rng.integers(0, len(seeds), size=n)
        ids = [str(i) for i in range(n)]
        outcomes = {str(i): by_seed[seeds[s]].get(sweep.tasks[t], INCORRECT)
                    for i, (t, s) in enumerate(zip(task_idx, seed_idx, strict=True))}
        value = fn(outcomes, ids)
        if value is not None:
            draws.append(value)
    return point, _interval(draws)


def rank_with_interval(sweep: Sweep) -> dict[str, tuple[float, tuple[float, float] | None]]:
    """Average rank over (task, seed) pairs; 95% bootstrap interval over those pairs.

    Ranks are per pair, so a resample's average rank is the mean of its pairs' ranks: each
    pair is ranked once (metrics.average_rank on that pair alone), then resampled."""
    seeds = sorted({e.seed for e in sweep.entries})
    pairs = [f"{t}@{s}" for t in sweep.tasks for s in seeds]
    tables = {m: _by_seed(sweep.of(m)) for m in sweep.methods}
    scores = {m: {f"{t}@{s}": tables[m].get(s, {}).get(t, INCORRECT) for t in sweep.tasks for s in seeds}
              for m in sweep.methods}
    point = metrics.average_rank(scores, pairs)
    per_pair = np.array([[metrics.average_rank({m: {p: scores[m][p]} for m in sweep.methods}, [p])[m]
                          for m in sweep.methods] for p in pairs])  # pairs x methods
    rng = np.random.default_rng(SEED)
    means = per_pair[rng.integers(0, len(pairs), size=(RESAMPLES, len(pairs)))].mean(axis=1)  # resamples x methods
    return {m: (point[m], _interval(list(means[:, j]))) for j, m in enumerate(sweep.methods)}


def _cell(value: float | None, ci: tuple[float, float] | None, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.{digits}f}{unit}"
    return text + (f" [{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]" if ci else "")


def _fast(outcomes: Mapping[str, Outcome], task_ids: Sequence[str], p: float) -> float:
    return metrics.fast_p(outcomes, task_ids, p)


def metrics_table(sweep: Sweep) -> Table:
    columns: list[tuple[str, Metric, str]] = [("median best speedup", metrics.median_best_speedup, "x")]
    if sweep.family in ("cpp", "mixed"):
        columns += [
            ("mean speedup (PIE, clipped)", lambda o, t: metrics.pie_metrics(o, t).mean_speedup, "x"),
            ("%Opt", lambda o, t: metrics.pie_metrics(o, t).percent_opt, "%"),
            ("%Correct", lambda o, t: metrics.pie_metrics(o, t).percent_correct, "%"),
        ]
    if sweep.family in ("kernel", "mixed"):
        columns += [(f"fast_{p}", functools.partial(_fast, p=p), "") for p in (0, 1, 2)]
        columns += [("geomean speedup (correct)", metrics.geomean_speedup, "x")]
    ranks = rank_with_interval(sweep) if sweep.methods else {}
    table = Table(title="metrics per method (95% bootstrap interval over tasks and seeds)",
                  headers=["method", "runs (failed)", *[c[0] for c in columns], "average rank"],
                  numeric=set(range(1, len(columns) + 3)),
                  note=f"{len(sweep.tasks)} task(s); a failed or missing run counts as incorrect; speedups are "
                       "the claimed ones (1.0 when no significant speedup was found); rank 1 is best.")
    for m in sweep.methods:
        entries = sweep.of(m)
        row = [m, f"{len(entries)} ({sum(e.failed for e in entries)})"]
        for _, fn, unit in columns:
            value, ci = metric_with_interval(sweep, m, fn)
            row.append(_cell(value, ci, unit, digits=1 if unit == "%" else 2))
        rank, rank_ci = ranks.get(m, (None, None))
        row.append(_cell(rank, rank_ci))
        table.rows.append(row)
    return table


def task_method_values(sweep: Sweep) -> tuple[list[list[float | None]], list[list[str]]]:
    values, labels = [], []
    for t in sweep.tasks:
        vrow, lrow = [], []
        for m in sweep.methods:
            runs = [e for e in sweep.of(m) if e.task == t]
            speedups = [e.row["best_speedup"] for e in runs
                        if not e.failed and isinstance(e.row.get("best_speedup"), (int, float))]
            value = statistics.median(speedups) if speedups else None
            vrow.append(value)
            lrow.append(f"{value:.2f}x" if value is not None else ("failed" if runs else "-"))
        values.append(vrow)
        labels.append(lrow)
    return values, labels


def task_method_table(sweep: Sweep) -> Table:
    _, labels = task_method_values(sweep)
    return Table(title="best speedup per task and method (median over seeds)", headers=["task", *sweep.methods],
                 rows=[[t, *row] for t, row in zip(sweep.tasks, labels, strict=True)],
                 numeric=set(range(1, len(sweep.methods) + 1)))


def status_counts(sweep: Sweep) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for m in sweep.methods:
        total: dict[str, int] = {}
        for e in sweep.of(m):
            run_counts = e.run.tree.status_counts() if e.run and e.run.tree.nodes else {}
            for k, v in run_counts.items():
                total[k] = total.get(k, 0) + v
        counts[m] = total
    return counts


def status_table(sweep: Sweep, counts: dict[str, dict[str, int]]) -> Table:
    statuses = [s for s in figures.STATUS_COLORS if any(c.get(s) for c in counts.values())]
    table = Table(title="runs and node statuses per method", headers=["method", "runs finished", "runs failed", *statuses],
                  numeric=set(range(1, len(statuses) + 3)))
    for m in sweep.methods:
        entries = sweep.of(m)
        table.rows.append([m, str(sum(not e.failed for e in entries)), str(sum(e.failed for e in entries)),
                           *[str(counts[m].get(s, 0)) for s in statuses]])
    return table


def cost_table(sweep: Sweep) -> Table:
    keys = [("evaluations", "evaluations", "{:.0f}"), ("llm_calls", "LLM calls", "{:.0f}"),
            ("tokens", "tokens", "{:.0f}"), ("cost_usd", "dollars", "${:.4f}"), ("wall_s", "wall s", "{:.1f}")]
    table = Table(title="cost per method (total over runs; median per run in brackets)",
                  headers=["method", *[k[1] for k in keys]], numeric=set(range(1, len(keys) + 1)))
    for m in sweep.methods:
        used = [e.row.get("budget_used") or {} for e in sweep.of(m)]
        row = [m]
        for key, _, form in keys:
            values = [float(u.get(key, 0) or 0) for u in used]
            row.append(f"{form.format(sum(values))} ({form.format(statistics.median(values) if values else 0)})")
        table.rows.append(row)
    return table


def runs_table(sweep: Sweep) -> Table:
    table = Table(title="runs", headers=["task", "method", "seed", "status", "best speedup", "95% CI",
                                         "evaluations", "report", "error"], numeric={4, 6})
    for e in sorted(sweep.entries, key=lambda e: (e.task, e.method, e.seed)):
        report = e.run.dir / "report.html" if e.run else None
        r = len(table.rows)
        if report is not None and report.is_file():
            table.links[(r, 7)] = os.path.relpath(report, sweep.data.dir)
            cell = "report"
        elif e.run is not None:
            table.links[(r, 7)] = os.path.relpath(e.run.dir, sweep.data.dir)
            cell = "run dir (no report yet)"
        else:
            cell = "no run directory"
        speedup = e.row.get("best_speedup")
        table.rows.append([e.task, e.method, e.seed, str(e.row.get("status", "?")),
                           fmt_x(speedup) if isinstance(speedup, (int, float)) else "",
                           fmt_ci(e.row.get("best_speedup_ci")),
                           str((e.row.get("budget_used") or {}).get("evaluations", "")), cell,
                           str(e.row.get("error") or "")[:200]])
    return table


def bands(sweep: Sweep) -> dict[str, dict[str, Band | None]]:
    out = {}
    for m in sweep.methods:
        curves: list[Curve] = [run_curve(e.run.tree) for e in sweep.of(m) if e.run is not None and e.run.tree.nodes]
        out[m] = {axis: band(curves, axis) if curves else None for axis in ("evaluations", "llm_calls", "dollars")}
    return out


def equal_budget_table(sweep: Sweep) -> Table:
    """Median best-so-far of each method at the least spending every method reached."""
    curves = {m: [run_curve(e.run.tree) for e in sweep.of(m) if e.run is not None and e.run.tree.nodes]
              for m in sweep.methods}
    axes = ("evaluations", "llm_calls", "dollars")
    reach = {a: min((max((c.x[a][-1] for c in cs), default=0.0) for cs in curves.values()), default=0.0)
             for a in axes}
    table = Table(title="best so far at equal budget (median over runs)",
                  headers=["method", *[f"@ {AXES[a]} = {reach[a]:g}" if reach[a] > 0 else f"@ {AXES[a]}"
                                        for a in axes]], numeric={1, 2, 3},
                  note="at the least spending that every method reached on that axis")
    for m in sweep.methods:
        row = [m]
        for a in axes:
            values = [float(value_at(c, a, np.array([reach[a]]))[0]) for c in curves[m]]
            row.append(f"{statistics.median(values):.3f}x" if values and reach[a] > 0 else "-")
        table.rows.append(row)
    return table


def headline_tables(sweep: Sweep) -> list[Table]:
    """What `maxcode report SWEEP --text` prints."""
    return [metrics_table(sweep), equal_budget_table(sweep), task_method_table(sweep), cost_table(sweep)]


def render(sweep: Sweep) -> tuple[str, str, dict[str, str]]:
    """(html, markdown, pictures written beside them)."""
    pictures: dict[str, str] = {}
    tables: dict[str, Table] = {}
    counts: dict[str, dict[str, int]] = {}

    def overview() -> str:
        problems = "".join(f"<p class='verdict bad'>{esc(p)}</p>" for p in sweep.data.problems)
        failed = sum(e.failed for e in sweep.entries)
        head = (f"{len(sweep.entries)} run(s): {len(sweep.tasks)} task(s) x {len(sweep.methods)} method(s); "
                f"{failed} failed")
        if sweep.pending:
            head += (f"; {len(sweep.pending)} task(s) with runs still to come are left out until they end: "
                     + ", ".join(sweep.pending))
        grid = (f"<details><summary>sweep.yaml</summary><pre>{esc(sweep.data.sweep_yaml)}</pre></details>"
                if sweep.data.sweep_yaml else "")
        return problems + f"<div class='verdict {'bad' if failed else 'good'}'>{esc(head)}</div>" + grid

    def curves() -> str:
        pictures["curves.svg"] = figures.sweep_curves_svg(bands(sweep))
        tables["equal"] = equal_budget_table(sweep)
        return f"<div class='figure' id='curves'>{pictures['curves.svg']}</div>" + tables["equal"].to_html()

    def metrics_html() -> str:
        tables["metrics"] = metrics_table(sweep)
        return tables["metrics"].to_html()

    def heatmap() -> str:
        values, labels = task_method_values(sweep)
        tables["tasks"] = task_method_table(sweep)
        pictures["heatmap.svg"] = figures.heatmap_svg(sweep.tasks, sweep.methods, values, labels)
        return f"<div class='figure' id='heatmap'>{pictures['heatmap.svg']}</div>" + tables["tasks"].to_html()

    def statuses() -> str:
        counts.update(status_counts(sweep))
        tables["statuses"] = status_table(sweep, counts)
        html = tables["statuses"].to_html()
        if any(counts.values()):
            pictures["statuses.svg"] = figures.status_bars_svg(counts)
            html = f"<div class='figure'>{pictures['statuses.svg']}</div>" + html
        return html

    def cost() -> str:
        tables["cost"] = cost_table(sweep)
        return tables["cost"].to_html()

    def runs() -> str:
        tables["runs"] = runs_table(sweep)
        return tables["runs"].to_html()

    if not sweep.entries:
        sections = [section("Overview", "overview", lambda: overview() + "<p class='note'>no run recorded yet</p>")]
    else:
        sections = [section("Overview", "overview", overview),
                    section("Best so far against budget, per method", "curves-section", curves),
                    section("Metrics", "metrics", metrics_html),
                    section("Task x method", "heatmap-section", heatmap),
                    section("Statuses", "statuses", statuses),
                    section("Cost", "cost", cost),
                    section("Runs", "runs", runs)]
    nav = [("overview", "overview"), ("curves", "curves-section"), ("metrics", "metrics"),
           ("task x method", "heatmap-section"), ("statuses", "statuses"), ("cost", "cost"), ("runs", "runs")]
    html = page(f"sweep {sweep.data.dir.name}", f"sweep report for {sweep.data.dir}", nav, sections)
    md = [f"# sweep {sweep.data.dir.name}", "", *[f"> {p}" for p in sweep.data.problems], "",
          f"{len(sweep.entries)} run(s): {len(sweep.tasks)} task(s) x {len(sweep.methods)} method(s)", ""]
    for name, title in (("curves.svg", "best so far per method"), ("heatmap.svg", "task x method")):
        if name in pictures:
            md += [f"![{title}]({name})", ""]
    md += [tables[k].to_markdown() for k in ("metrics", "equal", "tasks", "statuses", "cost", "runs") if k in tables]
    return html, "\n".join(md) + "\n", pictures


def write_sweep_report(data: SweepData) -> Path:
    """report.html, report.md and the pictures' SVG files in the sweep directory."""
    html, md, pictures = render(load(data))
    for name, svg in pictures.items():
        atomic_write(data.dir / name, svg)
    atomic_write(data.dir / "report.md", md)
    path = data.dir / "report.html"
    atomic_write(path, html)
    return path
