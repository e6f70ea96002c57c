"""Seconds to render the report of a SYNTHETIC 1,000-node run and a SYNTHETIC 100-run sweep (goal < 10 s each).

The runs are made up here (random trees of C++ programs with every status, speedups and
intervals, diagnoses and logs, written as real run directories), so what is timed is
`maxcode.report.write_report` alone: reading the trajectories, the curves, the tree
picture (graphviz dot), the highlighted programs and diffs, the metrics' bootstrap
intervals and the page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

from maxcode.budget import Budget
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Evaluation, Mismatch, Status
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash, total_spent
from maxcode.records.run import RunWriter
from maxcode.records.summary import RunSummary
from maxcode.records.sweep import SweepResults
from maxcode.report import summarize, write_report
from maxcode.search_tree import SearchTree

GOAL_S = 10.0
FAILURES = [Status.COMPILE_ERROR, Status.RUNTIME_ERROR, Status.WRONG_ANSWER, Status.TIMEOUT, Status.REJECTED]


def synthetic_source(rng: random.Random, lines: int = 40) -> str:
    body = [f"    long long v{i} = (long long){rng.randint(1, 999)} * x % {rng.randint(2, 97)};  // step {i}"
            for i in range(lines)]
    return ("#include <cstdio>\n#include <vector>\n\nint main() {\n    long long x = 0;\n"
            "    if (scanf(\"%lld\", &x) != 1) return 1;\n" + "\n".join(body) + "\n    printf(\"%lld\\n\", x);\n}\n")


def mutate(rng: random.Random, source: str) -> str:
    lines = source.splitlines()
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(6, len(lines) - 2)
        lines[i] = f"    long long w{rng.randint(0, 10**6)} = x * {rng.randint(1, 99)};  // rewritten"
    return "\n".join(lines) + "\n"


def synthetic_nodes(rng: random.Random, count: int) -> list[Node]:
    root_source = synthetic_source(rng)
    nodes = [Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=root_source,
                  source_hash=source_hash(root_source), message="the task's program")]
    for i in range(1, count + 1):
        parent = nodes[rng.randrange(max(0, len(nodes) - 40), len(nodes))]
        source = mutate(rng, parent.source or root_source)
        kind = rng.random()
        if kind < 0.55:
            speedup = rng.lognormvariate(0.1, 0.4)
            half = speedup * rng.uniform(0.02, 0.3)
            ci = (speedup - half, speedup + half)
            significant = ci[0] > 1.0 or ci[1] < 1.0
            ev = Evaluation(status=Status.OK, correct=True, message=f"correct, {speedup:.3f}x",
                            timing_mode="wall", speedup=speedup, speedup_ci=ci, significant=significant,
                            baseline_time_s=0.5, candidate_time_s=0.5 / speedup,
                            baseline_times_s=[rng.uniform(0.4, 0.6) for _ in range(12)],
                            candidate_times_s=[rng.uniform(0.3, 0.7) for _ in range(12)])
        else:
            status = rng.choice(FAILURES)
            ev = Evaluation.failure(status, f"{status.value} on test 3",
                                    compile_log="error: expected ';'" if status is Status.COMPILE_ERROR else "",
                                    mismatch=Mismatch(test="3", line=1, expected="42", got="41")
                                    if status is Status.WRONG_ANSWER else None)
        nodes.append(Node(
            id=i, parent_id=parent.id, step=1 + (i - 1) // 8, index=(i - 1) % 8,
            status=NodeStatus.from_evaluation(ev), source=source, source_hash=source_hash(source),
            reply=f"```cpp\n{source}```", evaluation=ev, reward=ev.speedup or 0.0, evaluated=True,
            proposer=ProposerInfo(model="synthetic", prompt_tokens=900, completion_tokens=400,
                                  cost_usd=0.002, calls=int(i % 8 == 1), meta={"rewrites": ["prefix_sums"]}),
            diagnosis=Diagnosis(text=f"{ev.message}: the inner loop recomputes a sum; hoist it."),
            elapsed_s=2.5 * i, message=ev.message))
    return nodes


def write_run(directory: Path, nodes: list[Node], task_id: str, strategy: str) -> RunSummary:
    store = RunWriter(directory, durable=False)
    store.open(f"synthetic run: {task_id} {strategy}\n")
    for node in nodes:
        store.append(node)
    store.close()
    summary = summarize(SearchTree(nodes), store, task_id, strategy, total_spent(nodes), Budget(),
                        "budget: max_evaluations", "cpp")
    store.write_summary(summary)
    return summary


def run_figure(tmp: Path, count: int) -> dict:
    directory = tmp / "run"
    write_run(directory, synthetic_nodes(random.Random(0), count), "synthetic/range_sum", "tree_search")
    started, cpu = time.perf_counter(), time.process_time()
    write_report(directory)
    elapsed = time.perf_counter() - started
    return {"nodes": count, "seconds": elapsed, "cpu_seconds": time.process_time() - cpu, "html_mb": (directory / "report.html").stat().st_size / 1e6,
            "goal_met": elapsed < GOAL_S}


def sweep_figure(tmp: Path, tasks: int, methods: int, seeds: int, nodes_per_run: int) -> dict:
    directory = tmp / "sweep"
    rng = random.Random(1)
    rows = []
    for t in range(tasks):
        for m in range(methods):
            for s in range(seeds):
                run_dir = directory / "runs" / f"task{t:02d}__method{m}__{s}__synthetic"
                failed = rng.random() < 0.05
                summary = write_run(run_dir, synthetic_nodes(rng, nodes_per_run), f"task{t:02d}", f"method{m}")
                rows.append({"task_id": f"task{t:02d}", "name": f"method{m}", "seed": s,
                             "overrides": [f"seed={s}"], "status": "failed" if failed else "finished",
                             "error": "synthetic failure" if failed else "",
                             "best_speedup": summary.best_speedup, "best_speedup_ci": summary.best_speedup_ci,
                             "budget_used": summary.budget_used, "run_dir": f"runs/{run_dir.name}"})
    results = SweepResults(directory)
    for row in rows:
        results.append(row)
    (directory / "sweep.yaml").write_text("grid: synthetic\n")
    started, cpu = time.perf_counter(), time.process_time()
    write_report(directory)
    elapsed = time.perf_counter() - started
    return {"runs": len(rows), "nodes_per_run": nodes_per_run, "seconds": elapsed,
            "cpu_seconds": time.process_time() - cpu, "goal_met": elapsed < GOAL_S}


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="maxcode-bench-report-") as tmp:
        figures = {
            "SYNTHETIC run report (write_report on a run dir)": run_figure(Path(tmp), 200 if args.quick else 1000),
            "SYNTHETIC sweep report (write_report on a sweep dir)": sweep_figure(
                Path(tmp), tasks=10, methods=2, seeds=2 if args.quick else 5, nodes_per_run=40),
        }
    table = Table(title="maxcode bench report", caption=f"load average before: {load_before:.1f} "
                  f"on {os.cpu_count()} cores (wall seconds grow with other work on the machine)")
    table.add_column("measurement")
    table.add_column("figures")
    for name, values in figures.items():
        table.add_row(name, ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                      for k, v in values.items()))
    Console().print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0
