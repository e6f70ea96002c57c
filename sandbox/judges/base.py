"""What every judge is: one call, a baseline and a candidate in, an `Evaluation` out.

Both judges (cpp/ for PIE-style programs, kernel/ for KernelBench-style modules) implement
`Judge`, so the search (maxcode/judging.py) judges a task of either family the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from maxcode.records.evaluation import Evaluation
from maxcode.records.testcases import TestCase
from maxcode.records.tolerance import Tolerance


class Judge(Protocol):
    """A judge of one task family; `evaluate` must be safe to call from several threads."""

    family: str
    """The task family it judges ("cpp" or "kernel")."""

    def evaluate(
        self,
        baseline_source: str,
        candidate_source: str,
        tests: Sequence[TestCase] = (),
        *,
        tolerance: Tolerance | None = None,
        incumbent: float | None = None,
        full_budget: bool = False,
        versus_compile: bool | None = None,
    ) -> Evaluation:
        """Judge the candidate against the baseline; every candidate's failure is a verdict,
        and only a broken task or an unusable backend raises (maxcode.records.errors).

        `tests`: the task's test cases (the C++ family's; kernel problems make their own
        inputs). `tolerance`: a kernel task's own allclose tolerance (None: the judge's).
        `incumbent`: in a search, a lower bound of the best speedup so far; timing may stop
        once the candidate is known to fall below it. `full_budget`: decide nothing early
        (an answer's re-timing). `versus_compile`: also time a kernel reference through
        torch.compile (None: the judge's setting; no C++ counterpart, so C++ ignores it)."""
        ...
