"""W&B's offline record, read with W&B's own reader (`wandb leet inspect --json`: one
record of a `.wandb` transaction log per line). A resumed offline run is one more
`offline-run-<time>-<id>` folder; `wandb sync` uploads them all to the same run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def offline_logs(wandb_dir: Path, run_id: str) -> list[Path]:
    """Every `.wandb` log of `run_id` under `wandb_dir` (the folder holding `wandb/`)."""
    return sorted((wandb_dir / "wandb").glob(f"offline-run-*-{run_id}/run-{run_id}.wandb"))


def records(log: Path, timeout_s: float = 60.0) -> list[dict[str, Any]]:
    """The records of one log, in order; a last record cut by a kill is left out."""
    wandb_cli = Path(sys.executable).with_name("wandb")
    command = [str(wandb_cli)] if wandb_cli.exists() else [sys.executable, "-m", "wandb"]
    out = subprocess.run([*command, "leet", "inspect", "--json", str(log)], capture_output=True,
                         text=True, timeout=timeout_s, check=True).stdout
    found = []
    for line in out.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def history_steps(wandb_dir: Path, run_id: str) -> list[int]:
    """The history steps `run_id` wrote, over all its offline logs, in order."""
    return [r["history"]["step"]["num"] for log in offline_logs(wandb_dir, run_id)
            for r in records(log) if r.get("type") == "history"]
