"""`maxcode bench NAME [overrides]`: measurements of MaxCode's own performance.

Each benchmark is a module `maxcode.selfbench.<name>` with a one-line docstring and
`run(cfg, args) -> int`; it prints its figures as a table and, with `--json FILE`,
writes them for the record.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import maxcode.selfbench
from maxcode.config import load_config
from maxcode.errors import UserError


def available() -> dict[str, str]:
    """Benchmark name -> first docstring line."""
    names = {}
    for info in pkgutil.iter_modules(maxcode.selfbench.__path__):
        module = importlib.import_module(f"maxcode.selfbench.{info.name}")
        names[info.name] = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="benchmark to run (omit to list them)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--data", metavar="DIR",
                        help="real benchmark files some benches also use (kernel_judge: a KernelBench checkout; "
                        "gpu: a CUDA-L1 checkout)")
    parser.add_argument("--every", metavar="N", type=int, default=1,
                        help="kernel_sizes, kernel_census: judge every N-th file of each level (a spread sample of a large suite)")
    parser.add_argument("--cases", metavar="WORDS",
                        help="kernel_judge, kernel_census, exploits: only the cases whose name holds one of these comma-separated words")
    parser.add_argument("--static", action="store_true",
                        help="exploits: keep the kernel judge's static checks on (default: off, so the runtime decides)")
    parser.add_argument("--repeat", metavar="N", type=int,
                        help="kernel_judge: judgements per case (default: 10 per A/A case, 20 per known speedup); "
                        "gpu: per A/A case and known speedup (default 5)")
    parser.add_argument("--via", choices=("bench", "eval"),
                        help="kernel_census: judge in this process as a search does (bench, the default) "
                        "or through `maxcode eval --json` as a user does (eval)")
    parser.add_argument("--forms", metavar="FORMS",
                        help="kernel_census: the forms to judge, comma-separated (default model,aten,loaded)")
    parser.add_argument("--label", metavar="TEXT", help="kernel_census: the conditions of this run (quiet, loaded, ...)")
    parser.add_argument("--call-budget-s", metavar="S", type=float,
                        help="kernel_census: halve a problem's batch_size until one reference call takes at most this here (default 0.01)")
    parser.add_argument("--sample", metavar="N", type=int, help="gpu: CUDA-L1 kernels to judge (default 6)")
    parser.add_argument("--budget-s", metavar="S", type=float, help="gpu: time budget of the whole run (default 450)")


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    benches = available()
    if not args.name:
        for name, doc in sorted(benches.items()):
            print(f"{name:20s} {doc}")
        return 0
    if args.name not in benches:
        raise UserError(
            f"unknown benchmark {args.name!r}",
            f"choose one of: {', '.join(sorted(benches))}",
        )
    module = importlib.import_module(f"maxcode.selfbench.{args.name}")
    args.overrides = overrides  # for benches that judge through `maxcode eval` in a fresh process
    return int(module.run(load_config(overrides), args) or 0)
