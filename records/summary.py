"""`summary.json`: what a finished (or stopped) run says about itself, as one typed record.

Written by the run's end (maxcode/report/artifacts.py) after every search, failed or not;
read by sweeps (their result rows), reports, trackers and `maxcode optimize` on resume.
Fields are only ever added (with defaults), so an older summary still reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from maxcode.records.jsonable import from_dict, to_dict
from maxcode.records.usage import Usage


@dataclass
class Retiming:
    """The answer re-timed with the full budget, and the search's own figure beside it."""

    node: int
    speedup: float | None = None
    """None when the re-timing gave no figure (`status` and `message` say why): the answer
    then stands on the search's own figure alone, unconfirmed."""
    speedup_ci: list[float] | None = None
    status: str = "ok"
    """"ok"; else the re-timing's verdict status (the answer failed when run again:
    wrong_answer, runtime_error, timeout...), "judge_error" (the judge raised) or "untimed"
    (an ok verdict without a speedup)."""
    message: str = ""
    """The re-timing's verdict message, or the judge's error."""
    significant: bool = False
    rounds: int | None = None
    stop_reason: str | None = None
    search_speedup: float | None = None
    """The speedup the search measured (its timing may have stopped as soon as it decided)."""
    search_speedup_ci: list[float] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Retiming:
        return from_dict(cls, data)


@dataclass
class RunSummary:
    task_id: str
    strategy: str
    """The run's name: the experiment's, else the strategy's."""
    run_dir: str
    best_node: int | None = None
    """The answer's node; None when no claim can be made (the answer is the baseline)."""
    best_speedup: float = 1.0
    """The answer's speedup (its re-timing when there is one)."""
    best_speedup_ci: list[float] | None = None
    best_retimed: Retiming | None = None
    """The answer's re-timing with the full budget; None when it has none (no answer, or a
    run that ended before it). When it failed (`speedup` None), `best_speedup` is the
    search's own figure, unconfirmed."""
    best_source: str = ""
    """Path of `best.<ext>`."""
    best_is_baseline: bool = True
    fastest_correct_node: int | None = None
    """The fastest correct program, significant or not."""
    fastest_correct_speedup: float | None = None
    nodes: int = 0
    """Candidate nodes recorded (the baseline not counted)."""
    steps: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    """Candidate nodes per status."""
    budget_used: dict[str, float] = field(default_factory=dict)
    """`Usage.to_dict()`: llm_calls, prompt/completion tokens, tokens, cost_usd, evaluations, wall_s."""
    budget_caps: dict[str, float | None] = field(default_factory=dict)
    stop_reason: str = ""
    error: str = ""
    """Why the run failed ("" when it did not)."""
    best_speedup_by_step: list[tuple[int, float]] = field(default_factory=list)
    written_at: str = ""
    best_speedup_vs_compile: float | None = None
    """Kernel tasks with `loop.versus_compile`: the answer against torch.compile of the
    reference (timed in the same processes as the eager reference)."""
    best_speedup_vs_compile_ci: list[float] | None = None
    problem: str = ""
    """The problem the task is an instance of (`Task.problem`; several PIE tasks are
    submissions of one problem); "" in summaries written before it was recorded."""

    def spent(self) -> Usage:
        """`budget_used` as the record it was written from (its `tokens` is derived)."""
        return Usage(**{f.name: self.budget_used[f.name] for f in fields(Usage) if f.name in self.budget_used})

    def to_dict(self) -> dict[str, Any]:
        """summary.json's object: the one serialization of a run summary (files, trackers)."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        return from_dict(cls, data)
