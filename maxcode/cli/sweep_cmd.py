"""`maxcode sweep [sweep=PRESET] suite=NAME [suite.ids=[...]] KEY=A,B ... [sweep_dir=DIR] [executor=local|ray]`

One search per (task, grid point), on this machine or a Ray cluster, into one sweep
directory; the same command on the same sweep_dir resumes it. Grid axes use Hydra's sweep
syntax (`seed=0,1,2`, `experiment=best_of_n,fsr_maxcode`, `seed=range(0,3)`); presets
live in conf/sweep/. See docs/sweeps.md. `tracker=mlflow|wandb` logs the sweep as a parent
run with one child per run; `--cfg job` prints the grid and each run's config, runs nothing.
"""

from __future__ import annotations

import argparse

from maxcode.cli import conf_help


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true",
                        help="no live table; print only the sweep dir and the summary path")
    conf_help.add_cfg_argument(parser)


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    from maxcode.sweep.driver import run_sweep

    return run_sweep(overrides, quiet=args.quiet, print_cfg=bool(args.cfg))
