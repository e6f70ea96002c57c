"""The `builtin` suite: every task MaxCode ships, both families (pie-mini, then
kernelbench-cpu), for comparisons that must hold across them (the strategy league)."""

from __future__ import annotations

from collections.abc import Sequence

from maxcode.benchmarks.loaders.builtin_pie import load_pie_mini
from maxcode.benchmarks.loaders.kernelbench_suite import load_kernelbench_cpu_suite
from maxcode.benchmarks.suite import Suite, did_you_mean
from maxcode.records.errors import TaskError


def load_builtin_suite(ids: Sequence[str] | None = None) -> Suite:
    """`ids`: task ids to keep (as `maxcode suite show builtin` lists them); None keeps all."""
    parts = [load_pie_mini(), load_kernelbench_cpu_suite()]
    tasks = [t for p in parts for t in p.tasks]
    if ids is not None:
        known = {t.id for t in tasks}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise TaskError(f"builtin has no task {unknown[0]!r}{did_you_mean(unknown[0], known)}",
                            "suite.ids takes task ids as `maxcode suite show builtin` lists them")
        tasks = [t for t in tasks if t.id in set(ids)]
    return Suite(
        name="builtin",
        version="+".join(f"{p.name}@{p.version}" for p in parts),
        tasks=tasks,
        description="Every built-in task: " + "; ".join(f"{p.name} ({len(p.tasks)} tasks)" for p in parts),
        source=", ".join(p.source for p in parts),
    )
