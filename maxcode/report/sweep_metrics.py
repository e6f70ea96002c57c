"""A sweep's summary (records/sweep.py: SweepSummary, its summary.json) and summary.md: the
papers' metrics per method over the tasks. Here, below maxcode/sweep/, because the sweep's
report page computes the same summary over the runs recorded so far (a sweep still going),
so the page and summary.md never disagree.

A run's outcome is its task's `Outcome` (benchmarks/metrics.py): correct when the search
found a correct candidate, and then the speedup MaxCode claims for it (its `best_speedup`:
1.0 unless a speedup's interval excludes "no change"). A failed or missing run counts as
incorrect, as the metrics module does for a task with no outcome.

Each metric of a method is computed over the tasks for every seed and averaged over seeds.
Its 95% interval is a percentile bootstrap over tasks and seeds: both are resampled with
replacement (`RESAMPLES` times, fixed RNG seed) and the statistic recomputed.

Metrics: median max-speedup and average rank across methods (the MaxCode paper), PIE's mean
clipped speedup, %Opt and %Correct (cpp suites), KernelBench's fast_0, fast_1, fast_2 and
geometric-mean speedup (kernel suites). The equal-budget table gives each method's best
claimed speedup so far at the same number of evaluations, LLM calls and dollars: the largest
amount that every method reached in at least one of its runs.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from maxcode.benchmarks.metrics import (
    INCORRECT,
    Outcome,
    average_rank,
    beats,
    fast_p,
    fast_p_vs_compile,
    geomean_speedup,
    median_best_speedup,
    pie_metrics,
)
from maxcode.records.node import best_so_far
from maxcode.records.run import RunReader, atomic_write
from maxcode.records.sweep import (
    AtBudget,
    Bootstrap,
    Efficiency,
    EqualBudget,
    FailedRun,
    Interval,
    Paired,
    RunCounts,
    Saving,
    SweepReader,
    SweepSummary,
    TaskCell,
    ToBest,
    write_summary,
)

RESAMPLES = 1000
RNG_SEED = 0
RESOURCES = ("evaluations", "llm_calls", "dollars", "judge_seconds")
AXIS = {"evaluations": 0, "llm_calls": 1, "dollars": 2, "judge_seconds": 4}
"""Resource -> its place in a spend curve's points (place 3 is the best so far)."""
TASK_BEST_SHARE = 0.95

Metric = Callable[[dict[str, Outcome], list[str]], float | None]
COMMON: dict[str, Metric] = {"median_speedup": median_best_speedup}
PIE: dict[str, Metric] = {
    "mean_clipped_speedup": lambda o, ids: pie_metrics(o, ids).mean_speedup,
    "percent_opt": lambda o, ids: pie_metrics(o, ids).percent_opt,
    "percent_correct": lambda o, ids: pie_metrics(o, ids).percent_correct,
}
KERNELBENCH: dict[str, Metric] = {
    "fast_0": lambda o, ids: fast_p(o, ids, 0.0),
    "fast_1": lambda o, ids: fast_p(o, ids, 1.0),
    "fast_2": lambda o, ids: fast_p(o, ids, 2.0),
    "geomean_speedup": geomean_speedup,
    "fast_1_vs_compile": lambda o, ids: fast_p_vs_compile(o, ids, 1.0),
}


def outcome(row: dict[str, Any] | None) -> Outcome:
    if row is None or row.get("status") != "finished" or not row.get("correct"):
        return INCORRECT
    ci = row.get("best_speedup_ci")
    versus = row.get("best_speedup_vs_compile")
    return Outcome(correct=True, speedup=float(row.get("best_speedup") or 1.0),
                   speedup_ci=(float(ci[0]), float(ci[1])) if ci else None,
                   speedup_vs_compile=float(versus) if versus is not None else None)


def metric_set(family: str) -> dict[str, Metric]:
    extra = {"cpp": PIE, "kernel": KERNELBENCH}.get(family, {**PIE, **KERNELBENCH})
    return {**COMMON, **extra}


class Table:
    """Outcomes indexed [method][seed][task position]."""

    def __init__(self, rows: dict[str, dict[str, Any]], jobs: list[Any], tasks: list[str]) -> None:
        self.tasks = tasks
        self.methods = sorted({j.name for j in jobs})
        self.seeds = sorted({j.seed for j in jobs})
        position = {t: i for i, t in enumerate(tasks)}
        self.cells: dict[str, dict[int, list[Outcome]]] = {
            m: {s: [INCORRECT] * len(tasks) for s in self.seeds} for m in self.methods}
        for j in jobs:
            self.cells[j.name][j.seed][position[j.task.id]] = outcome(rows.get(j.key))

    def stats(self, metrics: dict[str, Metric], task_idx: list[int], seed_idx: list[int]) -> dict[str, dict[str, float | None]]:
        """method -> metric -> mean over the sampled seeds of the metric over the sampled tasks."""
        ids = [f"{n}#{self.tasks[i]}" for n, i in enumerate(task_idx)]
        values: dict[str, dict[str, list[float]]] = {m: {k: [] for k in [*metrics, "average_rank"]} for m in self.methods}
        for s_i in seed_idx:
            seed = self.seeds[s_i]
            per_method = {m: dict(zip(ids, (self.cells[m][seed][i] for i in task_idx), strict=True))
                          for m in self.methods}
            ranks = average_rank(per_method, ids)
            for m in self.methods:
                for name, fn in metrics.items():
                    v = fn(per_method[m], ids)
                    if v is not None:
                        values[m][name].append(float(v))
                values[m]["average_rank"].append(ranks[m])
        return {m: {k: (sum(v) / len(v) if v else None) for k, v in d.items()} for m, d in values.items()}


def metrics_with_ci(table: Table, family: str, resamples: int = RESAMPLES) -> dict[str, dict[str, Interval]]:
    metrics = metric_set(family)
    n, k = len(table.tasks), len(table.seeds)
    point = table.stats(metrics, list(range(n)), list(range(k)))
    rng = np.random.default_rng(RNG_SEED)
    samples: dict[str, dict[str, list[float]]] = {m: {name: [] for name in point[m]} for m in point}
    for _ in range(resamples):
        boot = table.stats(metrics, list(rng.integers(0, n, n)), list(rng.integers(0, k, k)))
        for m, d in boot.items():
            for name, v in d.items():
                if v is not None:
                    samples[m][name].append(v)
    return {m: {name: Interval(value=point[m][name],
                               ci=[float(np.percentile(samples[m][name], 2.5)), float(np.percentile(samples[m][name], 97.5))]
                               if samples[m][name] else None)
                for name in point[m]} for m in point}


# --- equal budget ----------------------------------------------------------------------------
def spend_curve(run_dir: Path) -> list[tuple[float, float, float, float, float]]:
    """(evaluations, llm calls, dollars, best claimed speedup, judge seconds) after each
    recorded node. Judge seconds are each judgement's own (`judge_s`, recorded by both
    judges), a verdict memo's hit included: what judging the program cost when it was judged."""
    nodes = RunReader(run_dir).nodes(light=True)
    curve, judged = [], 0.0
    for n, s, best in best_so_far(nodes):
        if n.evaluated and n.evaluation is not None and n.duplicate_of is None:
            judged += float(n.evaluation.details.get("judge_s", 0.0) or 0.0)
        curve.append((float(s.evaluations), float(s.llm_calls), s.cost_usd, best, judged))
    return curve


def best_at(curve: list[tuple[float, ...]], resource: int, level: float) -> float:
    best = 1.0
    for point in curve:
        if point[resource] > level + 1e-12:
            break
        best = point[3]
    return best


def equal_budget(curves: dict[str, list[list[tuple[float, ...]]]]) -> EqualBudget:
    """`curves`: method -> one curve per run. Levels: the least, over methods, of the most
    any run of the method spent."""
    levels: dict[str, float | None] = {}
    out: dict[str, dict[str, AtBudget | None]] = {m: {} for m in curves}
    for resource in RESOURCES:
        r = AXIS[resource]
        spent = [max((c[-1][r] for c in runs if c), default=0.0) for runs in curves.values()]
        level = min(spent) if spent else 0.0
        levels[resource] = level if level > 0 else None
        for m, runs in curves.items():
            if level <= 0 or not runs:
                out[m][resource] = None
                continue
            values = [best_at(c, r, level) for c in runs]
            out[m][resource] = AtBudget(median=statistics.median(values), mean=sum(values) / len(values),
                                        runs=len(values))
    return EqualBudget(levels=levels, methods=out)


def evaluations_to(curve: list[tuple[float, ...]], share: float = 0.95) -> float | None:
    """Evaluations a run spent before its best claim reached `share` of its final best; None
    for a run that claimed nothing (its answer is the baseline from the start)."""
    if not curve or curve[-1][3] <= 1.0:
        return None
    return cost_to(curve, share * curve[-1][3], "evaluations")[0]


def _bootstrap(cells: dict[tuple[int, int], float], n_tasks: int, seeds: list[int], resamples: int,
               statistic: Callable[[list[float]], float]) -> Interval:
    """`statistic` of the values of (task index, seed) cells, with a percentile interval over
    tasks and seeds resampled with replacement (cells missing from a resample drop out)."""
    values = list(cells.values())
    if not values:
        return Interval(n=0)
    rng = np.random.default_rng(RNG_SEED)
    boot = []
    for _ in range(resamples):
        tasks = rng.integers(0, n_tasks, n_tasks)
        picked = rng.choice(seeds, len(seeds))
        sample = [cells[(t, s)] for t in tasks for s in picked if (t, s) in cells]
        if sample:
            boot.append(statistic(sample))
    ci = [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))] if boot else None
    return Interval(value=float(statistic(values)), ci=ci, n=len(values))


def cost_to(curve: list[tuple[float, ...]], target: float, resource: str) -> tuple[float, bool]:
    """(what a run had spent of `resource` when its best claim first reached `target`, True),
    or (all it spent, False) for a run that never did: censored at its budget."""
    r = AXIS[resource]
    for point in curve:
        if point[3] >= target:
            return point[r], True
    return (curve[-1][r] if curve else 0.0), False


POWER_80 = 1.96 + 0.84
"""Standard errors between no effect and an effect a two-sided 5% test detects 80% of the time."""


def to_task_best(table: Table, jobs: list[Any], curves: dict[str, list[tuple[float, ...]]], reference: str | None,
                 resamples: int = RESAMPLES) -> tuple[dict[str, ToBest], dict[str, Saving]]:
    """Per method, the judge seconds and evaluations its runs paid to reach 95% of the best
    claim any method's run made on the task (tasks where no run claimed a speedup have no
    target and drop out); against the sweep's first method, the paired saving on each (task,
    seed), from the mean log ratio of the costs, with its bootstrap interval."""
    position = {t: i for i, t in enumerate(table.tasks)}
    best: dict[str, float] = {}
    for j in jobs:
        curve = curves.get(j.key)
        if curve:
            best[j.task.id] = max(best.get(j.task.id, 1.0), curve[-1][3])
    costs: dict[str, dict[str, dict[tuple[int, int], float]]] = {
        r: {m: {} for m in table.methods} for r in ("judge_seconds", "evaluations")}
    reached = {m: 0 for m in table.methods}
    runs = {m: 0 for m in table.methods}
    for j in jobs:
        curve = curves.get(j.key)
        if not curve or best.get(j.task.id, 1.0) <= 1.0:
            continue
        target = TASK_BEST_SHARE * best[j.task.id]
        runs[j.name] += 1
        for resource, cells in costs.items():
            cost, hit = cost_to(curve, target, resource)
            cells[j.name][(position[j.task.id], j.seed)] = cost
        reached[j.name] += hit
    out = {m: ToBest(judge_seconds=_bootstrap(costs["judge_seconds"][m], len(table.tasks), table.seeds,
                                              resamples, statistics.median),
                     evaluations=_bootstrap(costs["evaluations"][m], len(table.tasks), table.seeds, resamples,
                                            statistics.median),
                     reached=reached[m], runs=runs[m]) for m in table.methods}
    savings: dict[str, Saving] = {}
    for m in table.methods:
        if reference is None or m == reference:
            continue
        saving = Saving()
        for resource, cells in costs.items():
            ratios = {cell: math.log(max(cost, 1e-3) / max(cells[reference][cell], 1e-3))
                      for cell, cost in cells[m].items() if cell in cells[reference]}
            mean = _bootstrap(ratios, len(table.tasks), table.seeds, resamples, lambda v: sum(v) / len(v))
            if mean.ci:
                standard_error = (mean.ci[1] - mean.ci[0]) / (2 * 1.96)
                setattr(saving, f"detectable_{resource}", 1 - math.exp(-POWER_80 * standard_error))
            if mean.value is not None:
                # exp of a mean log ratio is a geometric-mean ratio; 1 - that ratio is the saving
                # (a decreasing map, so the interval's bounds swap).
                mean = Interval(value=1 - math.exp(mean.value), n=mean.n,
                                ci=[1 - math.exp(mean.ci[1]), 1 - math.exp(mean.ci[0])] if mean.ci else None)
            setattr(saving, resource, mean)
        savings[m] = saving
    return out, savings


def search_efficiency(table: Table, jobs: list[Any], rows: dict[str, dict[str, Any]],
                      curves: dict[str, list[tuple[float, ...]]], resamples: int = RESAMPLES) -> Efficiency:
    """Per method: the median evaluations to 95% of a run's final best; and, against the
    sweep's first method (its reference, e.g. best_of_n), the paired difference of best
    speedup on each (task, seed), its mean with a bootstrap interval, and the tasks won,
    tied (intervals overlap) and lost."""
    position = {t: i for i, t in enumerate(table.tasks)}
    reference = jobs[0].name if jobs else None
    evals: dict[str, dict[tuple[int, int], float]] = {m: {} for m in table.methods}
    for j in jobs:
        value = evaluations_to(curves.get(j.key) or [])
        if value is not None:
            evals[j.name][(position[j.task.id], j.seed)] = value
    out = Efficiency(reference=reference)
    for m in table.methods:
        out.evaluations_to_95[m] = _bootstrap(evals[m], len(table.tasks), table.seeds, resamples, statistics.median)
    out.to_task_best, out.saving_vs_reference = to_task_best(table, jobs, curves, reference, resamples)
    if reference is None:
        return out
    for m in table.methods:
        if m == reference:
            continue
        diffs: dict[tuple[int, int], float] = {}
        record = {"won": 0, "tied": 0, "lost": 0}
        for s in table.seeds:
            for t in range(len(table.tasks)):
                mine, ref = table.cells[m][s][t], table.cells[reference][s][t]
                diffs[(t, s)] = _score(mine) - _score(ref)
                record["won" if beats(mine, ref) else "lost" if beats(ref, mine) else "tied"] += 1
        mean = _bootstrap(diffs, len(table.tasks), table.seeds, resamples, lambda v: sum(v) / len(v))
        out.paired_vs_reference[m] = Paired(value=mean.value, ci=mean.ci, n=mean.n, **record)
    return out


def _score(o: Outcome) -> float:
    """A run's best speedup for a paired difference: 0 when it found nothing correct."""
    return (o.speedup if o.speedup is not None else 1.0) if o.correct else 0.0


# --- the files ------------------------------------------------------------------------------
def build(sweep_path: Path, rows: dict[str, dict[str, Any]], jobs: list[Any], tasks: list[str],
          family: str, title: str, resamples: int = RESAMPLES) -> SweepSummary:
    # A long sweep (the league) is summarized while runs are still to come: a run not yet run
    # is not a run that found nothing, so methods are compared over the tasks whose runs have
    # all ended (finished or failed); with none ended yet, over every task as planned.
    pending = sorted({j.task.id for j in jobs if j.key not in rows}, key=tasks.index)
    compared = [t for t in tasks if t not in pending] or tasks
    compared_jobs = [j for j in jobs if j.task.id in compared]
    families = {getattr(j.task, "family", family) for j in compared_jobs}
    if pending and len(families) == 1:  # e.g. only the C++ half of the league so far: PIE's metrics
        family = families.pop()
    table = Table(rows, compared_jobs, compared)
    sweep = SweepReader(sweep_path)
    curves: dict[str, list[Any]] = {m: [] for m in table.methods}
    by_job: dict[str, Any] = {}
    for j in compared_jobs:
        row = rows.get(j.key)
        if row is not None and row.get("status") == "finished":
            by_job[j.key] = spend_curve(sweep.run_dir(j.key))
            curves[j.name].append(by_job[j.key])
    per_task: dict[str, dict[str, TaskCell]] = {}
    for j in jobs:
        cell = per_task.setdefault(j.task.id, {}).setdefault(j.name, TaskCell())
        row = rows.get(j.key)
        cell.runs += 1
        if row is None:
            cell.missing += 1
        elif row["status"] == "failed":
            cell.failed += 1
        else:
            o = outcome(row)
            cell.correct += o.correct
            cell.speedups.append(o.speedup if o.speedup is not None else 1.0)
    for by_method in per_task.values():
        for cell in by_method.values():
            cell.median_speedup = statistics.median(cell.speedups) if cell.speedups else None
    statuses = [rows.get(j.key, {}).get("status", "missing") for j in jobs]
    return SweepSummary(
        title=title,
        family=family,
        tasks=tasks,
        compared_tasks=compared,
        pending_tasks=pending,
        methods=table.methods,
        seeds=table.seeds,
        runs=RunCounts(total=len(jobs), finished=statuses.count("finished"), failed=statuses.count("failed"),
                       missing=statuses.count("missing")),
        bootstrap=Bootstrap(resamples=resamples, rng_seed=RNG_SEED),
        metrics=metrics_with_ci(table, family, resamples),
        equal_budget=equal_budget(curves),
        efficiency=search_efficiency(table, compared_jobs, rows, by_job, resamples),
        per_task=per_task,
        failed_runs=[FailedRun(run_key=j.key, error=rows[j.key].get("error", "")) for j in jobs
                     if rows.get(j.key, {}).get("status") == "failed"],
    )


LABELS = {"median_speedup": "median max-speedup", "average_rank": "avg rank",
          "mean_clipped_speedup": "PIE mean speedup", "percent_opt": "%Opt", "percent_correct": "%Correct",
          "fast_0": "fast_0", "fast_1": "fast_1", "fast_2": "fast_2", "geomean_speedup": "geomean",
          "fast_1_vs_compile": "fast_1 vs torch.compile"}


def _num(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if abs(v) < 1e-9:  # a bootstrap bound of -1e-17 is a 0 (floating-point sums)
        return "0"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def render(summary: SweepSummary) -> str:
    runs = summary.runs
    lines = [f"# {summary.title}", "",
             f"{len(summary.tasks)} tasks x {len(summary.methods)} methods x {len(summary.seeds)} seeds: "
             f"{runs.finished} runs finished, {runs.failed} failed, {runs.missing} not run. "
             f"Values are means over seeds; [95% bootstrap interval over tasks and seeds, "
             f"{summary.bootstrap.resamples} resamples].", ""]
    compared, pending = summary.compared, summary.pending_tasks
    if pending and len(compared) < len(summary.tasks):
        lines[-1:-1] = [f"Partial: methods are compared over the {len(compared)} tasks whose runs have all "
                        f"ended; {len(pending)} tasks still have runs to come (re-run the sweep's command "
                        f"to resume): {', '.join(pending)}."]
    names = list(next(iter(summary.metrics.values()), {}))
    lines += ["| method | " + " | ".join(LABELS.get(n, n) for n in names) + " |",
              "|---|" + "---:|" * len(names)]
    for m, d in summary.metrics.items():
        cells = [f"{_num(d[n].value)} [{_num(d[n].ci[0])}, {_num(d[n].ci[1])}]" if d[n].ci
                 else _num(d[n].value) for n in names]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    levels = summary.equal_budget.levels
    lines += ["", "## Equal budget", "",
              "Best claimed speedup so far (median over runs / mean) at the same spending: "
              + ", ".join(f"{r} = {'-' if levels.get(r) is None else f'{levels[r]:g}'}" for r in RESOURCES)
              + " (the least that every method reached).", "",
              "| method | " + " | ".join(f"@ {r}" for r in RESOURCES) + " |", "|---|" + "---:|" * len(RESOURCES)]
    for m, at in summary.equal_budget.methods.items():
        lines.append(f"| {m} | " + " | ".join("-" if at.get(r) is None else f"{at[r].median:.3f} / {at[r].mean:.3f}"
                                               for r in RESOURCES) + " |")
    eff = summary.efficiency
    if eff.reference:
        ref = eff.reference

        def interval(d: Interval) -> str:
            if d.value is None:
                return "-"
            return _num(d.value) + (f" [{_num(d.ci[0])}, {_num(d.ci[1])}]" if d.ci else "")

        lines += ["", "## Search efficiency", "",
                  "Evaluations to 95% of a run's final best (median over runs that claimed a speedup), and "
                  f"the paired difference of best speedup against `{ref}` on each task and seed (mean; "
                  "won / tied / lost: tied when the intervals overlap), each with its 95% bootstrap "
                  "interval over tasks and seeds.", "",
                  f"| method | evaluations to 95% | best speedup - {ref} | won / tied / lost |", "|---|---:|---:|---:|"]
        for m in summary.methods:
            p = eff.paired_vs_reference.get(m)
            versus = interval(p) if p else "(reference)"
            record = f"{p.won} / {p.tied} / {p.lost}" if p else ""
            lines.append(f"| {m} | {interval(eff.evaluations_to_95[m])} | {versus} | {record} |")
        if any(t.runs for t in eff.to_task_best.values()):
            lines += ["", f"### To {TASK_BEST_SHARE:.0%} of the task's best", "",
                      f"What a run paid to reach {TASK_BEST_SHARE:.0%} of the best speedup any method's run "
                      "claimed on its task (median over runs; a run that never reached it counts all it "
                      f"spent), and the saving against `{ref}` (1 - the geometric-mean ratio of the paired "
                      "costs per task and seed; negative: it paid more), with 95% bootstrap intervals.", "",
                      "| method | reached / runs | judge seconds | evaluations | judge-seconds saving | "
                      "evaluations saving |", "|---|---:|---:|---:|---:|---:|"]
            for m in summary.methods:
                t = eff.to_task_best.get(m)
                if t is None:
                    continue
                sv = eff.saving_vs_reference.get(m)
                saved = (interval(sv.judge_seconds), interval(sv.evaluations)) if sv else ("(reference)", "")
                lines.append(f"| {m} | {t.reached} / {t.runs} | {interval(t.judge_seconds)} | "
                             f"{interval(t.evaluations)} | {saved[0]} | {saved[1]} |")
            power = [f"`{m}` {sv.detectable_judge_seconds:.0%}" for m, sv in eff.saving_vs_reference.items()
                     if sv.detectable_judge_seconds is not None]
            if power:
                lines += ["", "A judge-seconds saving these paired runs would have detected with 80% power "
                          f"(5% level): {', '.join(power)}. An interval that includes 0 rules out savings "
                          "about that large, and says nothing of smaller ones."]
    methods = summary.methods
    lines += ["", "## Per task", "", "Median best speedup over seeds (correct runs / runs).", "",
              "| task | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for task, by_method in summary.per_task.items():
        cells = []
        for m in methods:
            c = by_method.get(m)
            if c is None:
                cells.append("")
                continue
            if c.missing == c.runs:
                cells.append("not run")
                continue
            text = f"{_num(c.median_speedup)}x ({c.correct}/{c.runs})"
            if c.failed:
                text += f", {c.failed} failed"
            if c.missing:
                text += f", {c.missing} not run"
            cells.append(text)
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    if summary.failed_runs:
        lines += ["", "## Failed runs", ""] + [f"- `{f.run_key}`: {f.error}" for f in summary.failed_runs]
    return "\n".join(lines) + "\n"


def write(sweep_path: Path, summary: SweepSummary) -> None:
    """summary.json (its one writer, in records/) and summary.md beside it."""
    write_summary(sweep_path, summary)
    atomic_write(sweep_path / "summary.md", render(summary))
