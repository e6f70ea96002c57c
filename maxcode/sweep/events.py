"""What executors report to the driver while runs go on."""

from __future__ import annotations

from typing import Any, Protocol

from maxcode.sweep.plan import RunJob


class Events(Protocol):
    def started(self, job: RunJob, attempt: int) -> None:
        """A run was handed to a worker (attempt 1, or more after a worker died)."""

    def progress(self, job: RunJob, info: dict[str, Any]) -> None:
        """A running run recorded nodes: `best` speedup so far, `evaluations`, `nodes`."""

    def retrying(self, job: RunJob, reason: str) -> None:
        """The run's worker died without a result; the run goes back in the queue."""

    def finished(self, job: RunJob, row: dict[str, Any]) -> None:
        """The run's result row (finished or failed); the driver records it."""

    def tick(self) -> None:
        """Called at least every second while the executor waits."""
