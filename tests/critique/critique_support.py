"""Helpers of the critique tests: pie_mini problems as Tasks, and locating a line in a source."""

from __future__ import annotations

from maxcode.benchmarks.loaders.builtin_pie import DEFAULT_ROOT as PIE_MINI
from maxcode.benchmarks.loaders.builtin_pie import load_pie_mini
from maxcode.benchmarks.task import Task

__all__ = ["PIE_MINI", "line_of", "pie_task"]


def pie_task(problem_id: str) -> Task:
    """One pie_mini problem, loaded by the suite's own loader (baseline slow.cpp, its tests)."""
    (task,) = load_pie_mini(ids=[problem_id]).tasks
    return task


def line_of(source: str, fragment: str) -> int:
    """1-based line of the first line containing `fragment` (how tests locate the bug)."""
    return next(i for i, line in enumerate(source.splitlines(), 1) if fragment in line)
