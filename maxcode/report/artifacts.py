"""End-of-run artifacts: summary.json, best.<ext>, and the run's report (report.md,
report.html, best_speedup.png), written by `runner.optimize` when a search ends, fails or
is interrupted."""

from __future__ import annotations

import logging
import time
from typing import Any

from maxcode.budget import Budget
from maxcode.records.node import Node
from maxcode.records.run import COMPILE_TIMING, FINAL_TIMING, RunWriter
from maxcode.records.summary import Retiming, RunSummary
from maxcode.records.usage import Usage
from maxcode.report.curves import best_curve
from maxcode.report.load import RunData
from maxcode.report.run_page import write_run_report
from maxcode.search_tree import SearchTree

log = logging.getLogger(__name__)


def summarize(tree: SearchTree, store: RunWriter, task_id: str, strategy: str, usage: Usage,
              budget: Budget, stop_reason: str, ext: str, error: str = "", problem: str = "") -> RunSummary:
    best = tree.best()
    fastest = tree.fastest_correct()
    speedup = best.speedup if best else 1.0
    ci = list(best.evaluation.speedup_ci) if best and best.evaluation and best.evaluation.speedup_ci else None
    retimed = _final_timing(store, best)
    if retimed is not None and retimed.speedup is not None:
        # The best's own figure won a selection over noisy estimates; the figure to report is
        # its re-timing with the full budget (maxcode/loop.py: Search.retime_best).
        speedup, ci = retimed.speedup, retimed.speedup_ci
    return RunSummary(
        task_id=task_id, problem=problem or task_id, strategy=strategy, run_dir=str(store.dir),
        best_node=best.id if best else None, best_speedup=speedup, best_speedup_ci=ci,
        best_retimed=retimed,
        best_source=str(store.dir / f"best.{ext}"), best_is_baseline=best is None,
        fastest_correct_node=fastest.id if fastest else None,
        fastest_correct_speedup=fastest.speedup if fastest else None,
        nodes=len(tree) - 1, steps=tree.last_step(), counts=tree.status_counts(),
        budget_used=usage.to_dict(), budget_caps=budget.caps(), stop_reason=stop_reason, error=error,
        best_speedup_by_step=best_curve(tree), written_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        **_versus_compile(store, best),
    )


def _versus_compile(store: RunWriter, best: Node | None) -> dict[str, Any]:
    """The answer against torch.compile of the reference, when the search timed it."""
    record = store.read_json(COMPILE_TIMING) if best is not None else None
    if not record or record.get("node") != best.id:
        return {}
    ev = record.get("evaluation") or {}
    if ev.get("speedup_vs_compile") is None:
        return {}
    return {"best_speedup_vs_compile": ev["speedup_vs_compile"],
            "best_speedup_vs_compile_ci": list(ev.get("speedup_vs_compile_ci") or []) or None}


def _final_timing(store: RunWriter, best: Node | None) -> Retiming | None:
    """The full-budget re-timing of the best node, with the search's figure beside it; one
    that gave no figure says why instead."""
    record = store.read_json(FINAL_TIMING) if best is not None else None
    if not record or record.get("node") != best.id:
        return None
    ci = best.evaluation.speedup_ci if best.evaluation else None
    search = {"node": best.id, "search_speedup": best.speedup, "search_speedup_ci": list(ci) if ci else None}
    ev = record.get("evaluation")
    if ev is None:
        return Retiming(**search, status="judge_error", message=record.get("error") or "the judge raised")
    if ev.get("status") != "ok" or not ev.get("correct"):
        return Retiming(**search, status=str(ev.get("status")), message=ev.get("message") or "")
    if ev.get("speedup") is None or not ev.get("speedup_ci"):
        return Retiming(**search, status="untimed", message="the re-timing returned no speedup")
    details = ev.get("details") or {}
    return Retiming(**search, speedup=ev["speedup"], speedup_ci=list(ev["speedup_ci"]),
                    significant=bool(ev.get("significant")), rounds=details.get("rounds"),
                    stop_reason=details.get("stop_reason"))


def write_artifacts(tree: SearchTree, store: RunWriter, summary: RunSummary, ext: str) -> None:
    """summary.json and best.<ext> first (what a resume and a sweep read), then the report."""

    best: Node | None = tree.best()
    source = best.source if best else tree.root.source
    store.write_text(f"best.{ext}", source or "")
    store.write_summary(summary)
    try:
        write_run_report(RunData(dir=store.dir, tree=tree, summary=summary, ext=ext))
    except Exception:  # a report must never cost the run its summary
        log.exception("could not write the report of %s (run `maxcode report %s` to retry)", store.dir, store.dir)
