"""`maxcode report DIR`: report.html and report.md for a run or a sweep directory.

The page is self-contained (inline pictures, no script, no network): open it from disk.
`--text` prints the headline tables in the terminal instead and writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from maxcode.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", help="a run directory (maxcode optimize) or a sweep directory (maxcode sweep)")
    parser.add_argument("--text", action="store_true", help="print the headline tables; write nothing")


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    from maxcode.report import load, write_report

    if overrides:
        raise UserError(f"maxcode report takes no overrides (got {' '.join(overrides)})",
                        "run: maxcode report DIR [--text]")
    directory = Path(args.dir)
    if args.text:
        kind = load.kind(directory)
        if kind == "sweep":
            from maxcode.report import sweep_page

            data = load.load_sweep(directory)
            tables = sweep_page.headline_tables(sweep_page.load(data))
            problems = data.problems
        else:
            from maxcode.report import run_page

            run_data = load.load_run(directory)
            tables, problems = run_page.headline_tables(run_data), run_data.problems
        console = Console()
        for problem in problems:
            console.print(f"[yellow]{problem}[/yellow]")
        for table in tables:
            console.print(table.to_rich())
        return 0
    try:
        path = write_report(directory)
    except PermissionError as exc:
        raise UserError(f"cannot write the report into {directory}: {exc.strerror}",
                        "run `maxcode report DIR --text`, or copy the directory somewhere writable") from exc
    print(f"report: {path}")
    print(f"        {path.with_name('report.md')}")
    return 0
