"""Reports people read, from run and sweep directories (reads them; imports no judge or
proposer).

    write_report(directory) -> Path    report.html + report.md for a run or a sweep directory
    summarize / write_artifacts        (artifacts.py) the end of `runner.optimize`: summary.json, best.<ext>,
                                       then the run's report

A run's page: verdict, best-so-far curves against evaluations / LLM calls / dollars / wall
time, the search tree (graphviz), the node table, every node's program and its diff.
A sweep's page: per-method best-so-far bands, the papers' metrics with intervals, average
rank, a task x method heat map, statuses and cost per method, links to every run's report.
Both are one self-contained HTML file (inline SVG, no script, no network).
"""

from __future__ import annotations

from pathlib import Path

from maxcode.report.artifacts import summarize, write_artifacts
from maxcode.report.curves import best_curve


def write_report(directory: str | Path) -> Path:
    """Write report.html and report.md into a run or sweep directory; returns report.html.

    Raises `UserError` (one line with the fix) when the directory is neither; anything it
    can read is reported, what it cannot is named at the top of the page.
    """
    from maxcode.report import load

    path = Path(directory)
    if load.kind(path) == "sweep":
        from maxcode.report.sweep_page import write_sweep_report

        return write_sweep_report(load.load_sweep(path))
    from maxcode.report.run_page import write_run_report

    return write_run_report(load.load_run(path))


__all__ = ["best_curve", "summarize", "write_artifacts", "write_report"]
