"""Paths shared by the kernel-judge tests (imported by module name; pytest puts this
directory on sys.path with the default rootdir import mode)."""

from pathlib import Path

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
EXPLOITS = HERE / "exploits"
SUITE = HERE.parents[2] / "benchmarks" / "suites" / "kernelbench_cpu"
