"""End-of-run artifacts: summary.json, best.<ext>, report.md and the best-speedup plot."""

from __future__ import annotations

import logging
import time
from typing import Any

from maxcode.budget import Budget, Usage
from maxcode.node import Node
from maxcode.store import RunStore
from maxcode.tree import SearchTree

log = logging.getLogger(__name__)


def best_curve(tree: SearchTree) -> list[tuple[int, float]]:
    """(step, best claimable speedup after that step); 1.0 until a claim can be made."""
    from reward.rewards import is_claimable

    best, curve = 1.0, []
    for step in range(1, tree.last_step() + 1):
        for n in tree.nodes:
            if n.step == step and n.duplicate_of is None and is_claimable(n.evaluation):
                best = max(best, n.speedup or 1.0)
        curve.append((step, best))
    return curve


def summarize(tree: SearchTree, store: RunStore, task_id: str, strategy: str, usage: Usage,
              budget: Budget, stop_reason: str, ext: str, error: str = "") -> dict[str, Any]:
    best = tree.best()
    fastest = tree.fastest_correct()
    return {
        "task_id": task_id,
        "strategy": strategy,
        "run_dir": str(store.dir),
        "best_node": best.id if best else None,
        "best_speedup": best.speedup if best else 1.0,
        "best_speedup_ci": list(best.evaluation.speedup_ci) if best and best.evaluation and best.evaluation.speedup_ci else None,
        "best_source": str(store.dir / f"best.{ext}"),
        "best_is_baseline": best is None,
        "fastest_correct_node": fastest.id if fastest else None,
        "fastest_correct_speedup": fastest.speedup if fastest else None,
        "nodes": len(tree) - 1,
        "steps": tree.last_step(),
        "counts": tree.status_counts(),
        "budget_used": usage.to_dict(),
        "budget_caps": {k: getattr(budget, k) for k in
                        ("max_llm_calls", "max_tokens", "max_dollars", "max_evaluations", "max_wall_s")},
        "stop_reason": stop_reason,
        "error": error,
        "best_speedup_by_step": best_curve(tree),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def write_artifacts(tree: SearchTree, store: RunStore, summary: dict[str, Any], ext: str) -> None:
    best: Node | None = tree.best()
    source = best.source if best else tree.root.source
    store.write_text(f"best.{ext}", source or "")
    store.write_json("summary.json", summary)
    store.write_text("report.md", render_report(tree, summary))
    try:
        plot(summary["best_speedup_by_step"], store)
    except Exception:  # a plot must never cost the run its summary
        log.exception("could not draw the best-speedup plot")


def render_report(tree: SearchTree, summary: dict[str, Any]) -> str:
    ci = summary["best_speedup_ci"]
    ci_text = f" (95% CI {ci[0]:.3f}-{ci[1]:.3f})" if ci else ""
    lines = [
        f"# {summary['task_id']} - {summary['strategy']}",
        "",
        f"- best: **{summary['best_speedup']:.3f}x**{ci_text}"
        + (" - no significant speedup found; best file is the baseline" if summary["best_is_baseline"]
           else f", node {summary['best_node']}"),
        f"- stopped: {summary['stop_reason'] or 'n/a'}" + (f"; error: {summary['error']}" if summary["error"] else ""),
        f"- nodes: {summary['nodes']} over {summary['steps']} steps; "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary["counts"].items())),
        "- budget used: " + ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}"
                                      for k, v in summary["budget_used"].items()),
        "",
        "| node | parent | step | status | speedup | 95% CI | model |",
        "|---:|---:|---:|---|---:|---|---|",
    ]
    for n in tree.candidates():
        ci_n = n.evaluation.speedup_ci if n.evaluation and n.evaluation.speedup_ci else None
        dup = f" (dup of {n.duplicate_of})" if n.duplicate_of is not None else ""
        lines.append(f"| {n.id} | {n.parent_id} | {n.step} | {n.status.value}{dup} | "
                     f"{'' if n.speedup is None else f'{n.speedup:.3f}'} | "
                     f"{'' if ci_n is None else f'{ci_n[0]:.3f}-{ci_n[1]:.3f}'} | {n.proposer.model} |")
    lines += ["", "![best speedup by step](best_speedup.png)", ""]
    return "\n".join(lines)


def plot(curve: list[tuple[int, float]], store: RunStore) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    if curve:
        steps, best = zip(*curve, strict=False)
        ax.step(steps, best, where="post")
        ax.plot(steps, best, "o", markersize=3)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xlabel("step")
    ax.set_ylabel("best verified speedup (x)")
    ax.set_title("best speedup so far")
    fig.tight_layout()
    fig.savefig(store.dir / "best_speedup.png", dpi=100)
    plt.close(fig)
