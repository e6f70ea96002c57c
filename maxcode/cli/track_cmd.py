"""`maxcode track sync DIR [tracker=mlflow|wandb] [tracker.*=...]`: logs a finished or offline
run (or a sweep) to an experiment tracker, as far as the tracker lacks it.

The tracker defaults to the one DIR was tracked with (its `tracking.json`); the tracked run
is the same one (no duplicate), and steps it already holds are not logged again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from maxcode.errors import ConfigError, UserError
from maxcode.records.run import is_run_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["sync"], help="sync: upload what the tracker lacks")
    parser.add_argument("dir", help="a run directory (trajectory.jsonl) or a sweep directory (sweep.yaml)")


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    from maxcode.config import load_config
    from maxcode.tracking import session
    from maxcode.tracking.state import DirState

    directory = Path(args.dir)
    if not is_run_dir(directory) and not (directory / "sweep.yaml").is_file():
        raise ConfigError(f"{directory} is neither a run directory nor a sweep directory",
                          "give the directory `maxcode optimize` or `maxcode sweep` printed")
    tokens = list(overrides)
    if not any(t.split("=", 1)[0] == "tracker" for t in tokens):
        known = DirState.load(directory).kinds()
        if len(known) != 1:
            raise ConfigError(f"which tracker should {directory} go to?"
                              + (f" (it was tracked with {', '.join(known)})" if known else ""),
                              "add tracker=mlflow or tracker=wandb")
        tokens.insert(0, f"tracker={known[0]}")
    tracking = session.configure(load_config(tokens))
    if tracking.adapter is None:
        raise ConfigError("tracker=none uploads nothing", "add tracker=mlflow or tracker=wandb")
    try:
        run_id = session.sync(tracking, directory)
    except UserError:
        raise
    except Exception as exc:  # whatever the tracker's client raises: nothing is lost, retry later
        raise UserError(f"{tracking.adapter.describe()} failed: {type(exc).__name__}: "
                        f"{str(exc).splitlines()[0][:300] if str(exc) else ''}",
                        "check the tracker's settings (MLFLOW_TRACKING_URI, WANDB_MODE...) and re-run "
                        "this command; it resumes where it stopped") from exc
    print(f"{directory}: up to date in {tracking.adapter.describe()} (run {run_id})")
    return 0
