"""The `builtin` suite: every task MaxCode ships, both families (pie-mini, then
kernelbench-cpu), for comparisons that must hold across them (the strategy league)."""

from __future__ import annotations

from benchmarks.loaders.builtin_pie import load_pie_mini
from benchmarks.loaders.kernelbench_suite import load_kernelbench_cpu_suite
from benchmarks.suite import Suite


def load_builtin_suite() -> Suite:
    parts = [load_pie_mini(), load_kernelbench_cpu_suite()]
    return Suite(
        name="builtin",
        version="+".join(f"{p.name}@{p.version}" for p in parts),
        tasks=[t for p in parts for t in p.tasks],
        description="Every built-in task: " + "; ".join(f"{p.name} ({len(p.tasks)} tasks)" for p in parts),
        source=", ".join(p.source for p in parts),
    )
