"""`tracking.json` in a run or sweep directory: which tracked run it is and how far it got.

    {"tags": {...}, "trackers": {"mlflow:http://host:5000|maxcode": {"run_id": "...", "step": 12, ...}}}

Written atomically after every confirmed call, so a resume (or `maxcode track sync`)
reopens the same tracked run; the tracker's own record decides the last step logged, since
a kill can land between a confirmed call and this file's update.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from maxcode.records.run import atomic_write

STATE_FILE = "tracking.json"


@dataclass
class TrackedState:
    run_id: str | None = None
    """The tracker's id of this directory's run."""
    step: int = 0
    """Last metric step the tracker confirmed."""
    params_logged: bool = False
    finished: bool = False
    """Summary and artifacts logged and the run closed."""


@dataclass
class DirState:
    path: Path
    tags: dict[str, str] = field(default_factory=dict)
    """What the run was started with (its Hydra overrides), kept for a later sync."""
    trackers: dict[str, TrackedState] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> DirState:
        path = directory / STATE_FILE
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls(path)
        return cls(path, dict(data.get("tags") or {}),
                   {k: TrackedState(**v) for k, v in (data.get("trackers") or {}).items()})

    def of(self, key: str) -> TrackedState:
        return self.trackers.setdefault(key, TrackedState())

    def kinds(self) -> list[str]:
        """The trackers (mlflow, wandb) this directory went to."""
        return sorted({key.split(":", 1)[0] for key in self.trackers})

    def save(self) -> None:
        if not self.path.parent.is_dir():
            return
        data = {"tags": self.tags, "trackers": {k: asdict(v) for k, v in self.trackers.items()}}
        atomic_write(self.path, json.dumps(data, indent=1) + "\n")
