"""A sweep's report: per-method best-so-far bands, the sweep summary's metrics with their 95%
bootstrap intervals over tasks and seeds (computed by sweep_metrics.py, as the sweep's
summary.md, so the page and the summary never disagree), search efficiency against
the reference method, a task x method heat map, statuses and cost per method, and a link to
every run's report."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from maxcode.records.run import atomic_write
from maxcode.records.sweep import PlannedRun, PlannedTask, SweepSummary, planned_runs
from maxcode.report import figures, sweep_metrics
from maxcode.report.curves import AXES, Band, Curve, band, run_curve
from maxcode.report.html import Table, esc, fmt_ci, fmt_x, page, section
from maxcode.report.load import RunData, SweepData, load_run, run_dir_of

UNITS = {"median_speedup": "x", "mean_clipped_speedup": "x", "geomean_speedup": "x",
         "percent_opt": "%", "percent_correct": "%"}


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

    @property
    def key(self) -> str:
        """Its run key (rows written by hand may lack one: then its run directory's name)."""
        return str(self.row.get("run_key") or Path(str(self.row.get("run_dir") or "?")).name)


@dataclass
class Sweep:
    data: SweepData
    entries: list[RunEntry]
    """Runs of the compared tasks."""
    summary: SweepSummary
    """The sweep's summary (sweep_metrics.build) over the runs recorded so far."""
    tasks: list[str] = field(init=False)
    methods: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.tasks = sorted({e.task for e in self.entries})
        self.methods = sorted({e.method for e in self.entries})

    @property
    def pending(self) -> list[str]:
        """Tasks with runs still to come, left out of the page (a long sweep seen while it runs)."""
        return self.summary.pending_tasks

    def of(self, method: str) -> list[RunEntry]:
        return [e for e in self.entries if e.method == method]


def load(data: SweepData) -> Sweep:
    entries = []
    for row in data.rows:
        directory = run_dir_of(data.dir, row)
        run = load_run(directory, light=True) if directory is not None else None
        entries.append(RunEntry(row=row, run=run))
    try:
        spec = yaml.safe_load(data.sweep_yaml) or {}
    except yaml.YAMLError:
        spec = {}
    planned = planned_runs(spec["plan"]) if spec.get("plan") else _planned_from_rows(entries, spec)
    tasks = list(dict.fromkeys(r.task.id for r in planned))
    families = {r.task.family for r in planned}
    summary = sweep_metrics.build(data.dir, {e.key: e.row for e in entries}, planned, tasks,
                                  families.pop() if len(families) == 1 else "mixed", f"sweep {data.dir.name}")
    # A run not yet run is not a run that found nothing: a task is shown once all its planned
    # runs have ended, as in the sweep's summary.md.
    pending = summary.pending_tasks
    return Sweep(data=data, entries=[e for e in entries if e.task not in pending], summary=summary)


def _planned_from_rows(entries: list[RunEntry], spec: dict[str, Any]) -> list[PlannedRun]:
    """The plan of a sweep.yaml written before the plan was stored: the recorded runs, and the
    run keys without a row (`{task}__{method}__{seed}__{hash}`) of the tasks they share a key
    prefix with."""
    planned: dict[str, PlannedRun] = {}
    task_of: dict[str, PlannedTask] = {}
    for e in entries:
        key = e.key
        task = PlannedTask(e.task, "kernel" if e.run is not None and e.run.ext == "py" else "cpp")
        task_of[key.split("__", 1)[0]] = task
        planned[key] = PlannedRun(key, task, e.method, int(e.row.get("seed") or 0))
    for key in map(str, spec.get("runs") or []):
        parts = key.split("__")
        if key not in planned and len(parts) >= 3 and parts[0] in task_of and parts[2].lstrip("-").isdigit():
            planned[key] = PlannedRun(key, task_of[parts[0]], parts[1], int(parts[2]))
    return list(planned.values())


def _cell(value: float | None, ci: list[float] | None, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "n/a"

    def num(v: float) -> str:
        text = f"{v:.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"

    return f"{num(value)}{unit}" + (f" [{num(ci[0])}, {num(ci[1])}]" if ci else "")


def metrics_table(sweep: Sweep) -> Table:
    by_method = sweep.summary.metrics
    names = list(next(iter(by_method.values()), {}))
    table = Table(title="metrics per method (95% bootstrap interval over tasks and seeds)",
                  headers=["method", "runs (failed)", *[sweep_metrics.LABELS.get(n, n) for n in names]],
                  numeric=set(range(1, len(names) + 2)),
                  note=f"{len(sweep.summary.compared)} task(s); means over seeds, "
                       f"{sweep.summary.bootstrap.resamples} resamples; a failed or missing run counts as incorrect; speedups "
                       "are the claimed ones (1.0 when no significant speedup was found); rank 1 is best, "
                       "runs whose intervals overlap tie.")
    for m, values in by_method.items():
        entries = sweep.of(m)
        row = [m, f"{len(entries)} ({sum(e.failed for e in entries)})"]
        for n in names:
            unit = UNITS.get(n, "")
            row.append(_cell(values[n].value, values[n].ci, unit, digits=1 if unit == "%" else 2))
        table.rows.append(row)
    return table


def efficiency_table(sweep: Sweep) -> Table:
    eff = sweep.summary.efficiency
    ref = eff.reference
    table = Table(title=f"search efficiency and paired difference against {ref}",
                  headers=["method", "evaluations to 95% of final best", f"best speedup - {ref}",
                           "won / tied / lost"], numeric={1, 2, 3},
                  note="evaluations: median over runs that claimed a speedup; the difference is paired on "
                       "each task and seed (a run that found nothing correct scores 0), tied when the "
                       "intervals overlap; 95% bootstrap intervals over tasks and seeds.")
    for m in sweep.summary.methods:
        evals = eff.evaluations_to_95[m]
        paired = eff.paired_vs_reference.get(m)
        table.rows.append([m, _cell(evals.value, evals.ci, digits=1),
                           _cell(paired.value, paired.ci, "x") if paired else "(reference)",
                           f"{paired.won} / {paired.tied} / {paired.lost}" if paired else ""])
    return table


def task_best_table(sweep: Sweep) -> Table | None:
    """What each method paid to reach 95% of the task's best, and its saving against the
    reference (the summary's `to_task_best`); None before any task has a best to reach."""
    eff = sweep.summary.efficiency
    if not any(t.runs for t in eff.to_task_best.values()):
        return None
    table = Table(title=f"to 95% of the best any method found on the task, and the saving against {eff.reference}",
                  headers=["method", "reached / runs", "judge seconds", "evaluations", "judge-seconds saving",
                           "evaluations saving"], numeric={2, 3, 4, 5},
                  note="median over runs (a run that never reached it counts all it spent); saving: 1 - the "
                       "geometric-mean ratio of paired costs per task and seed; 95% bootstrap intervals.")
    for m in sweep.summary.methods:
        t, saving = eff.to_task_best.get(m), eff.saving_vs_reference.get(m)
        if t is None:
            continue
        table.rows.append([m, f"{t.reached} / {t.runs}", _cell(t.judge_seconds.value, t.judge_seconds.ci, digits=0),
                           _cell(t.evaluations.value, t.evaluations.ci, digits=1),
                           _cell(saving.judge_seconds.value, saving.judge_seconds.ci) if saving else "(reference)",
                           _cell(saving.evaluations.value, saving.evaluations.ci) if saving else ""])
    power = [f"{m} {sv.detectable_judge_seconds:.0%}" for m, sv in eff.saving_vs_reference.items()
             if sv.detectable_judge_seconds is not None]
    if power:
        table.note += (f" A judge-seconds saving 80% power would have detected here: {', '.join(power)}; "
                       "an interval including 0 rules out savings about that large, not smaller ones.")
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
    """Each method's best so far at the least spending every method reached (the summary's)."""
    eb = sweep.summary.equal_budget
    levels = eb.levels
    table = Table(title="best so far at equal budget (median over runs / mean)",
                  headers=["method", *[f"@ {AXES.get(a, a)} = {levels[a]:g}" if levels.get(a) else f"@ {AXES.get(a, a)}"
                                        for a in sweep_metrics.RESOURCES]],
                  numeric=set(range(1, len(sweep_metrics.RESOURCES) + 1)),
                  note="at the least spending that every method reached on that axis")
    for m in sweep.summary.methods:
        at = eb.methods.get(m, {})
        table.rows.append([m, *[f"{at[a].median:.3f}x / {at[a].mean:.3f}x" if at.get(a) else "-"
                                for a in sweep_metrics.RESOURCES]])
    return table


def headline_tables(sweep: Sweep) -> list[Table]:
    """What `maxcode report SWEEP --text` prints."""
    return [metrics_table(sweep), efficiency_table(sweep), *filter(None, [task_best_table(sweep)]),
            equal_budget_table(sweep), task_method_table(sweep),
            cost_table(sweep)]


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
        tables["efficiency"] = efficiency_table(sweep)
        html = tables["metrics"].to_html() + tables["efficiency"].to_html()
        best = task_best_table(sweep)
        if best is not None:
            tables["task_best"] = best
            html += best.to_html()
        return html

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
    md += [tables[k].to_markdown() for k in ("metrics", "efficiency", "equal", "tasks", "statuses", "cost", "runs") if k in tables]
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
