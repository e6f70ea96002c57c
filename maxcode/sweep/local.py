"""Executor `local`: one worker process per run, at most `workers` at once (default: the cores).

Runs write their run directories themselves (the sweep directory is on this machine). Each
worker reports over its own pipe; a worker that dies without reporting (SIGKILL, the OOM
killer) is started again, up to `max_retries` times, and resumes from its trajectory: the
nodes it recorded are not judged again. The judges take the machine-wide timing lease
themselves, so concurrent runs never time on the same cores at once.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any

from maxcode.sweep.directory import SweepDir
from maxcode.sweep.events import Events
from maxcode.sweep.plan import RunJob
from maxcode.sweep.worker import result_row

log = logging.getLogger(__name__)

PRELOAD = ["maxcode.sweep.worker", "maxcode.optimize", "maxcode.wiring", "maxcode.judging",
           "maxcode.config"]
INTERRUPT_GRACE_S = 60.0
"""How long interrupted workers get to write their summaries before they are killed."""


class LocalExecutor:
    """A process per run on this machine."""

    name = "local"

    def __init__(self, workers: int | None = None, max_retries: int = 3) -> None:
        self.workers = workers
        """Runs at once; null: the number of cores."""
        self.max_retries = max_retries
        """Restarts of a run whose worker died without reporting (killed)."""

    def check(self) -> None:
        if self.workers is not None and self.workers < 1:
            from maxcode.errors import ConfigError

            raise ConfigError(f"executor.workers={self.workers}", "give executor.workers >= 1, or null for the cores")

    def connect(self) -> None:
        """Nothing to connect to: workers start per run."""

    def close(self) -> None:
        """Nothing held between runs."""

    def slots(self, n_jobs: int) -> int:
        return max(1, min(self.workers or os.cpu_count() or 1, n_jobs))

    def run(self, jobs: list[RunJob], sweep: SweepDir, events: Events) -> None:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        queue = deque(jobs)
        slots = self.slots(len(jobs))
        attempts: dict[str, int] = {}
        running: dict[Connection, tuple[Any, RunJob]] = {}
        rows: dict[Connection, dict[str, Any]] = {}
        try:
            while queue or running:
                while queue and len(running) < slots:
                    job = queue.popleft()
                    attempts[job.key] = attempts.get(job.key, 0) + 1
                    receiver, sender = ctx.Pipe(duplex=False)
                    proc = ctx.Process(target=_entry, args=(job, str(sweep.run_dir(job.key)), sender),
                                       name=f"maxcode-run-{job.key}", daemon=False)
                    proc.start()
                    sender.close()
                    running[receiver] = (proc, job)
                    events.started(job, attempts[job.key])
                for conn in wait(list(running), timeout=0.5):
                    proc, job = running[conn]
                    try:
                        kind, payload = conn.recv()
                    except (EOFError, OSError, ValueError):
                        del running[conn]
                        conn.close()
                        proc.join()
                        row = rows.pop(conn, None)
                        if row is not None:
                            row["attempts"] = attempts[job.key]
                            events.finished(job, row)
                        elif attempts[job.key] <= self.max_retries:
                            events.retrying(job, f"worker exited with {_exit_text(proc.exitcode)}")
                            queue.appendleft(job)
                        else:
                            row = result_row(job, None, f"worker died {attempts[job.key]} times "
                                             f"(last: {_exit_text(proc.exitcode)})",
                                             sweep.run_dir(job.key), 0.0)
                            row["attempts"] = attempts[job.key]
                            events.finished(job, row)
                        continue
                    if kind == "progress":
                        events.progress(job, payload)
                    elif kind == "done":
                        rows[conn] = payload
                    elif kind == "interrupted":
                        events.progress(job, {"interrupted": True})
                events.tick()
        except KeyboardInterrupt:
            _stop(running)
            raise


def _entry(job: RunJob, run_dir: str, sender: Connection) -> None:
    """A worker process: one run, reported over `sender`."""
    from pathlib import Path

    from maxcode.sweep.worker import execute

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    lock = threading.Lock()

    def send(kind: str, payload: Any) -> None:
        with lock:
            sender.send((kind, payload))

    try:
        row = execute(job, Path(run_dir), Path(run_dir), progress=lambda info: send("progress", info))
        send("done", row)
    except KeyboardInterrupt:
        send("interrupted", None)
    finally:
        sender.close()


def _stop(running: dict[Connection, tuple[Any, RunJob]]) -> None:
    """Ctrl-C: each worker gets SIGINT (its run writes its summary), then a deadline."""
    procs = [p for p, _ in running.values()]
    if procs:
        print(f"stopping {len(procs)} run(s): each saves what it recorded (up to {INTERRUPT_GRACE_S:.0f} s)",
              file=sys.stderr)
    for p in procs:
        if p.is_alive() and p.pid:
            try:
                os.kill(p.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + INTERRUPT_GRACE_S
    for p in procs:
        try:
            p.join(max(0.0, deadline - time.monotonic()))
        except KeyboardInterrupt:
            break
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join()


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
