"""The adapter interface: a tracker opens runs; a run takes params, metric points, a summary
and files. Adapters hold no state of their own between sessions (that is `tracking.json`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass
class RunSpec:
    """What a tracked run is opened with."""

    name: str
    run_id: str | None = None
    """Reopen this run (a resume); None starts a new one."""
    parent_id: str | None = None
    """The sweep's run, for a run of a sweep."""
    group: str | None = None
    """The sweep's name, shared by its runs (W&B groups them by it)."""
    kind: str = "run"
    """`run` or `sweep`."""
    tags: dict[str, str] = field(default_factory=dict)


class TrackedRun(Protocol):
    run_id: str

    def last_step(self) -> int:
        """The highest metric step the tracker holds for this run (0 when none)."""

    def log_params(self, params: dict[str, str]) -> None: ...

    def log_metrics(self, step: int, values: dict[str, float]) -> None: ...

    def log_summary(self, values: dict[str, float]) -> None: ...

    def log_file(self, path: Path) -> None: ...

    def close(self, status: str) -> None:
        """`finished`, `failed` or `killed`."""


class Tracker(Protocol):
    kind: str

    def open(self, spec: RunSpec) -> TrackedRun: ...

    def describe(self) -> str:
        """Where runs go, in words (a URI and experiment, a directory)."""

    def key(self) -> str:
        """`kind:destination`: a directory tracked to two destinations has a run in each."""
