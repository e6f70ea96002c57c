"""One run of a sweep: the same `runner.optimize` as `maxcode optimize`, and its result row.

Executors call `execute` in a worker process (local) or a Ray task (ray). A run that fails
(a UserError such as the judges rejecting the task or the LLM endpoint gone, or a bug) comes
back as a `failed` row with its error; only KeyboardInterrupt goes through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from maxcode.errors import UserError
from maxcode.records.run import RunReader, RunWriter
from maxcode.records.summary import RunSummary
from maxcode.sweep.plan import RunJob

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, Any]], None]
"""Receives `{"best": speedup, "evaluations": n, "nodes": n}` as the run records nodes."""

PROGRESS_EVERY_S = 0.5


def quoted_override(key: str, value: str) -> str:
    """`key='value'`: a run's directory is named after its grid point (`proposer=mix`), and
    Hydra's override grammar rejects an unquoted `=` (or `,`, `[`, a space) in a value."""
    escaped = value.replace("'", "\\'")
    return f"{key}='{escaped}'"


def execute(job: RunJob, run_dir: Path, record_dir: Path, store: RunWriter | None = None,
            progress: Progress | None = None) -> dict[str, Any]:
    """Run `job` in `run_dir`; `record_dir` is where the run lives for the user (the driver's
    path, written into its config); returns the result row."""
    from maxcode.config import load_config
    from maxcode.wiring import Wiring

    started = time.time()
    summary: RunSummary | None = None
    error = ""
    try:
        cfg = load_config([*job.overrides, quoted_override("run_dir", str(record_dir))])
        memo = cfg.judge.get("memo")
        if memo and not Path(memo).is_absolute():
            # The runs of a sweep share one verdict memo, kept with them (sweep/runs/<key>).
            cfg.judge.memo = str(record_dir.parent.parent / memo)
        with Wiring(cfg) as wired:
            summary = wired.optimize(job.task, run_dir, on_progress=_throttled(progress), store=store).summary
    except UserError as exc:
        error = exc.cause + (f" (fix: {exc.fix})" if exc.fix else "")
    except Exception as exc:  # a bug in one run must not end the sweep: it is recorded
        log.exception("run %s failed", job.key)
        error = f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    if summary is None:
        summary = RunReader(run_dir).run_summary()
    return result_row(job, summary, error, record_dir, time.time() - started)


def result_row(job: RunJob, summary: RunSummary | None, error: str, record_dir: Path,
               wall_s: float) -> dict[str, Any]:
    """One line of results.jsonl; a run that left no summary has no figures (None)."""
    s = summary
    return {
        "run_key": job.key,
        "task_id": job.task.id,
        "name": job.name,
        "seed": job.seed,
        "overrides": job.overrides,
        "status": "failed" if error else "finished",
        "error": error,
        "best_speedup": s.best_speedup if s else None,
        "best_speedup_ci": s.best_speedup_ci if s else None,
        "best_speedup_vs_compile": s.best_speedup_vs_compile if s else None,
        "best_speedup_vs_compile_ci": s.best_speedup_vs_compile_ci if s else None,
        "correct": s is not None and s.fastest_correct_node is not None,
        "fastest_correct_speedup": s.fastest_correct_speedup if s else None,
        "budget_used": s.budget_used if s else None,
        "stop_reason": s.stop_reason if s else "",
        "nodes": s.nodes if s else None,
        "run_dir": str(record_dir),
        "wall_s": round(wall_s, 3),
        "attempts": 1,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _throttled(progress: Progress | None) -> Callable[[Any], None] | None:
    if progress is None:
        return None
    last = [0.0]

    def on_snapshot(snap: Any) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S and not snap.stop_reason:
            return
        last[0] = now
        progress({"best": snap.best.speedup if snap.best is not None else 1.0,
                  "evaluations": snap.usage.evaluations, "nodes": snap.nodes})

    return on_snapshot
