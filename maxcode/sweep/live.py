"""The driver's side of a sweep: it records result rows as runs end and shows a live table
(runs queued/running/finished/failed, best speedup so far per method, elapsed time and an
estimate of the time left, processes waiting for the timing lease)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from maxcode.sweep.plan import RunJob

log = logging.getLogger(__name__)


def lease_waiters() -> int | None:
    """Processes on this machine waiting for the timing lease (None: no lease module)."""
    try:
        from maxcode.sandbox.timing.lease import waiting_count
    except ImportError:
        return None
    try:
        return int(waiting_count())
    except Exception:  # a display must never stop the sweep
        return None


class SweepState:
    """Implements `Events`: tracks every run of this command and records finished rows."""

    def __init__(self, jobs: list[RunJob], done: dict[str, dict[str, Any]],
                 record: Callable[[dict[str, Any]], None], console: Console | None) -> None:
        self.jobs = {j.key: j for j in jobs}
        self.record = record
        self.status = {j.key: "queued" for j in jobs}
        self.best: dict[str, float] = {}
        for key, row in done.items():
            if key in self.status and row.get("status") == "finished":
                self.status[key] = "finished (earlier)"
                self.best[key] = float(row.get("best_speedup") or 1.0)
        self.retries = 0
        self.failed_rows: list[dict[str, Any]] = []
        self.started_at = time.monotonic()
        self.finished_now = 0
        self.console = console
        # A terminal gets the live table; a log (nohup, a batch job, CI) a line per ended run
        # and the table at the end, so hours of sweep are not hours of silence.
        self.live = Live(console=console, refresh_per_second=2, transient=False) \
            if console is not None and console.is_terminal else None
        self._last = 0.0

    # --- Events --------------------------------------------------------------------------
    def started(self, job: RunJob, attempt: int) -> None:
        self.status[job.key] = "running"
        self._refresh()

    def progress(self, job: RunJob, info: dict[str, Any]) -> None:
        if "best" in info:
            self.best[job.key] = max(self.best.get(job.key, 1.0), float(info["best"]))
        self._refresh()

    def retrying(self, job: RunJob, reason: str) -> None:
        self.retries += 1
        self.status[job.key] = "queued"
        log.warning("run %s: %s; starting it again (it resumes from what it recorded)", job.key, reason)
        self._refresh()

    def finished(self, job: RunJob, row: dict[str, Any]) -> None:
        self.record(row)
        self.status[job.key] = row["status"]
        self.finished_now += 1
        if row["status"] == "failed":
            self.failed_rows.append(row)
        elif row.get("best_speedup") is not None:
            self.best[job.key] = float(row["best_speedup"])
        if self.console is not None and self.live is None:
            self.console.print(self.line(job, row), highlight=False, soft_wrap=True)
        self._refresh(force=True)

    def line(self, job: RunJob, row: dict[str, Any]) -> str:
        """One ended run, for a log: `[17/300] task method seed 0: finished, best 12.28x (183 s); left ~1h02m`."""
        c = self.counts()
        ended = c["finished"] + c["failed"]
        outcome = f"failed: {row.get('error', '')}" if row["status"] == "failed" else (
            f"finished, best {float(row['best_speedup']):.2f}x" if row.get("best_speedup") is not None
            else "finished, nothing correct")
        return (f"[{ended}/{len(self.status)}] {job.task.id} {job.name} seed {job.seed}: {outcome} "
                f"({float(row.get('wall_s') or 0):.0f} s); left ~{self._eta()}")

    def _eta(self) -> str:
        c = self.counts()
        left = c["queued"] + c["running"]
        if not self.finished_now or not left:
            return "-"
        return _clock((time.monotonic() - self.started_at) / self.finished_now * left)

    def tick(self) -> None:
        self._refresh()

    # --- display -------------------------------------------------------------------------
    def __enter__(self) -> SweepState:
        if self.live is not None:
            self.live.__enter__()
            self._refresh(force=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self._refresh(force=True)
            self.live.__exit__(*exc)
        elif self.console is not None:
            self.console.print(self.render())

    def counts(self) -> dict[str, int]:
        out = {"queued": 0, "running": 0, "finished": 0, "failed": 0}
        for s in self.status.values():
            out["finished" if s.startswith("finished") else s] += 1
        return out

    def _refresh(self, force: bool = False) -> None:
        if self.live is None:
            return
        now = time.monotonic()
        if force or now - self._last >= 0.5:
            self._last = now
            self.live.update(self.render())

    def render(self) -> Table:
        c = self.counts()
        elapsed = time.monotonic() - self.started_at
        eta = self._eta()
        waiters = lease_waiters()
        table = Table(title="maxcode sweep", show_header=True)
        table.add_column("method")
        table.add_column("runs done", justify="right")
        table.add_column("best speedup so far", justify="right")
        by_method: dict[str, list[str]] = {}
        for key, job in self.jobs.items():
            by_method.setdefault(job.name, []).append(key)
        for name, keys in sorted(by_method.items()):
            done = sum(self.status[k].startswith(("finished", "failed")) for k in keys)
            best = max((self.best[k] for k in keys if k in self.best), default=None)
            table.add_row(name, f"{done}/{len(keys)}", "-" if best is None else f"{best:.2f}x")
        table.caption = (f"queued {c['queued']}  running {c['running']}  finished {c['finished']}  "
                         f"failed {c['failed']}  restarted {self.retries}  |  elapsed {elapsed:.0f}s  "
                         f"left ~{eta}" + ("" if waiters is None else f"  |  waiting for the timing lease {waiters}"))
        return table


def _clock(seconds: float) -> str:
    """A remaining time at the precision a reader plans with: `1h02m`, `58m`, `40s`."""
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m" if seconds >= 60 else f"{seconds}s"
