"""One search from start to saved results: open or resume the run directory, restore the
budget already spent, run the loop, and - whatever happens - write summary, best program,
report and plot.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from maxcode.benchmarks.task import Task
from maxcode.budget import BudgetMeter
from maxcode.errors import UserError
from maxcode.loop import Search, Snapshot, TaskJudge
from maxcode.parts import SearchParts
from maxcode.records.node import total_spent
from maxcode.records.run import RunReader, RunWriter
from maxcode.records.summary import RunSummary
from maxcode.report import summarize, write_artifacts
from maxcode.search_tree import SearchTree

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What `optimize` hands back."""

    run_dir: Path
    summary: RunSummary
    tree: SearchTree


def default_run_dir(runs_dir: str | Path, task: Task, name: str, seed: int) -> Path:
    """`{task}__{strategy}__{seed}__{timestamp}` under `runs_dir`."""
    task_part = re.sub(r"[^\w.-]+", "-", task.id).strip("-") or "task"
    return Path(runs_dir) / f"{task_part}__{name}__{seed}__{time.strftime('%Y%m%d-%H%M%S')}"


def optimize(task: Task, judge: TaskJudge, parts: SearchParts, run_dir: Path, config_yaml: str,
             seed: int = 0, on_progress: Callable[[Snapshot], None] | None = None,
             store: RunWriter | None = None) -> RunResult:
    """Search on `task`; the run directory is complete even when this raises.

    `store`: the run directory's store, when the caller needs another one than a plain
    `RunWriter(run_dir)` (a sweep on Ray forwards every record to the driver)."""
    store = store if store is not None else RunWriter(run_dir)
    store.open(config_yaml)
    nodes = store.resume()
    if nodes and nodes[0].source != task.baseline_source:
        raise UserError(f"{run_dir} holds a run on a different task (its baseline differs)",
                        "pick a new run_dir, or resume with the same task")
    tree = SearchTree(nodes)
    meter = BudgetMeter(parts.budget, total_spent(nodes))
    if nodes:
        log.info("resuming %s: %d nodes, %s", run_dir, len(nodes) - 1, meter.usage())
    search = Search(task, parts.strategy, parts.proposer, judge, store, meter, parts.observation,
                    parts.reward, critique=parts.critique, ranker=parts.ranker, config=parts.loop,
                    seed=seed, on_progress=on_progress, tree=tree, critic_ledger=parts.critic_ledger)
    error = ""
    try:
        search.stop_reason = search.run()
    except UserError as exc:
        error = exc.cause
        search.stop_reason = f"error: {exc.cause}"
        raise
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        search.stop_reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"error: {error}"
        raise
    finally:
        # Ctrl-C can land between a node's write (synced to disk: milliseconds) and its
        # addition to the tree; the summary and report follow the trajectory, which resumes.
        known = {node.id for node in search.tree}
        for node in RunReader(store.dir).nodes():
            if node.id not in known:
                search.tree.add(node)
        summary = summarize(search.tree, store, task.id, parts.name, meter.usage(), parts.budget,
                            search.stop_reason, search.ext, error, problem=task.problem)
        write_artifacts(search.tree, store, summary, search.ext)
        store.close()
    return RunResult(run_dir=run_dir, summary=summary, tree=search.tree)
