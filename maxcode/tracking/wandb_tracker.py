"""Weights & Biases: online, or offline (WANDB_MODE=offline) into folders that `wandb sync`
uploads later. W&B has no nested runs: a sweep's runs share its `group`, the sweep's own
run has job_type `sweep`, and each run's config names its parent (`maxcode.parent_run_id`)."""

from __future__ import annotations

import os
import secrets
import shutil
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from maxcode.tracking import wandb_records
from maxcode.tracking.base import RunSpec

# W&B refuses tags longer than 64 characters.
_TAG_CHARS = 64


@dataclass
class WandbTracker:
    """Each setting left null is W&B's own: WANDB_PROJECT (else `maxcode`), WANDB_MODE,
    WANDB_DIR, WANDB_ENTITY."""

    project: str | None = None
    mode: str | None = None
    dir: str | None = None
    entity: str | None = None

    requires: ClassVar[str] = "wandb"
    kind: ClassVar[str] = "wandb"

    def settings(self) -> dict[str, Any]:
        return {"project": self.project or os.environ.get("WANDB_PROJECT") or "maxcode",
                "mode": self.mode or os.environ.get("WANDB_MODE") or None,
                "dir": self.dir or os.environ.get("WANDB_DIR") or None,
                "entity": self.entity or os.environ.get("WANDB_ENTITY") or None}

    def describe(self) -> str:
        s = self.settings()
        return f"W&B project {s['project']} ({s['mode'] or 'online'}, dir {s['dir'] or '.'})"

    def key(self) -> str:
        # A W&B run is (entity, project, id) whatever the mode: offline logs sync to it.
        s = self.settings()
        return f"wandb:{s['entity'] or ''}/{s['project']}"

    def open(self, spec: RunSpec) -> WandbRun:
        import wandb

        s = self.settings()
        # Chosen here, so tracking.json can name the run before W&B has written anything.
        run_id = spec.run_id or "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
        tags = sorted({f"{k}={v}"[:_TAG_CHARS] for k, v in spec.tags.items()})
        # Several runs at once (a sweep's), no console capture and no system-metrics sampler:
        # the tracker must not cost the search CPU.
        settings = wandb.Settings(console="off", x_disable_stats=True, x_disable_meta=True,
                                  silent=True, save_code=False, disable_git=True)
        config = {"maxcode.parent_run_id": spec.parent_id} if spec.parent_id else {}
        run = wandb.init(project=s["project"], entity=s["entity"], dir=s["dir"], mode=s["mode"],
                         id=run_id, resume="allow", name=spec.name, group=spec.group,
                         job_type=spec.kind, tags=tags, config=config, reinit="create_new",
                         settings=settings)
        return WandbRun(run, run_id, Path(s["dir"] or "."), s["mode"] == "offline")


@dataclass
class WandbRun:
    run: Any
    run_id: str
    dir: Path
    offline: bool

    def last_step(self) -> int:
        if self.offline:
            return max(wandb_records.history_steps(self.dir, self.run_id), default=0)
        return int(getattr(self.run, "starting_step", 0) or 0)

    def log_params(self, params: dict[str, str]) -> None:
        self.run.config.update(params, allow_val_change=True)

    def log_metrics(self, step: int, values: dict[str, float]) -> None:
        self.run.log(values, step=step)

    def log_summary(self, values: dict[str, float]) -> None:
        self.run.summary.update(values)

    def log_file(self, path: Path) -> None:
        # A copy in the run's own folder: the file as it is now (a resume rewrites it), and no
        # symlink for W&B to warn about.
        copy = Path(self.run.dir) / path.name
        shutil.copyfile(path, copy)
        self.run.save(str(copy), base_path=self.run.dir, policy="now")

    def close(self, status: str) -> None:
        self.run.finish(exit_code=0 if status == "finished" else 1)
