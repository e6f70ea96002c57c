"""The verdict of a judge on one candidate: the `Evaluation` record.

Every judge exit returns one of these, whatever went wrong; `status` comes from a closed
enum. Raw timing samples are kept unrounded, units are in field names, and the record is
JSON-safe when built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from maxcode.records.jsonable import from_dict, to_dict


class Status(str, Enum):
    OK = "ok"
    COMPILE_ERROR = "compile_error"
    RUNTIME_ERROR = "runtime_error"
    WRONG_ANSWER = "wrong_answer"
    TIMEOUT = "timeout"
    MEMORY_EXCEEDED = "memory_exceeded"
    REJECTED = "rejected"


# Logs are cut to this many characters so a hostile candidate cannot bloat a trajectory.
MAX_LOG_CHARS = 8_000


def truncate(text: str, limit: int = MAX_LOG_CHARS) -> str:
    """Keep the head and the tail of a long log, where compilers and crashes put the facts."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"


@dataclass
class Mismatch:
    """The first place where the candidate's output differs from the expected one."""

    test: str
    """Name of the test case (e.g. `input.3.txt`) or kernel trial (`trial 2`)."""
    line: int | None = None
    """1-based line of the first differing line (cpp), None for tensors."""
    expected: str = ""
    """Expected text (truncated) or a summary of the expected tensor."""
    got: str = ""
    """Candidate text (truncated) or a summary of the candidate tensor."""
    max_abs_error: float | None = None
    """Largest absolute difference, when both sides are numeric."""


@dataclass
class Evaluation:
    """One candidate judged against its baseline."""

    status: Status
    """Closed verdict; only `ok` may carry a speedup."""
    correct: bool
    """True when every correctness check passed."""
    message: str = ""
    """One line a person can act on."""

    compile_log: str = ""
    """Compiler output (truncated)."""
    runtime_log: str = ""
    """Stderr or traceback of the failing run (truncated)."""
    mismatch: Mismatch | None = None
    """First mismatch when status is wrong_answer."""
    failing_test: str | None = None
    """Test case or trial that decided a failure status."""
    error_type: str | None = None
    """`module.Class` of an exception raised by candidate or judge, if any."""

    timing_mode: str | None = None
    """`wall` (seconds) or `instructions` (instruction counts); None when not timed."""
    baseline_times_s: list[float] = field(default_factory=list)
    """Raw wall-clock samples of the baseline, seconds, in measurement order."""
    candidate_times_s: list[float] = field(default_factory=list)
    """Raw wall-clock samples of the candidate, seconds, paired with the baseline's."""
    baseline_instructions: int | None = None
    """Instruction count of the baseline over all tests (instructions mode)."""
    candidate_instructions: int | None = None
    """Instruction count of the candidate over all tests (instructions mode)."""
    baseline_time_s: float | None = None
    """Median baseline time, seconds (wall mode)."""
    candidate_time_s: float | None = None
    """Median candidate time, seconds (wall mode)."""
    speedup: float | None = None
    """baseline / candidate; None unless the candidate is correct and was timed."""
    speedup_ci: tuple[float, float] | None = None
    """95% confidence interval of the speedup (degenerate in instructions mode)."""
    significant: bool = False
    """True when the speedup interval excludes 1.0."""
    speedup_vs_compile: float | None = None
    """Kernel tasks, when the judge also timed the reference through `torch.compile`:
    compiled reference / candidate ("beats eager but not torch.compile" is what a kernel
    engineer needs to know); None otherwise."""
    speedup_vs_compile_ci: tuple[float, float] | None = None
    """Its 95% interval (over processes, like `speedup_ci`)."""

    stopped_below: float | None = None
    """Set when a search's racing cut the timing short: the search's best so far (a lower
    bound) that this candidate was found to lie below. Its speedup is then an estimate from
    the rounds run, and the verdict holds only for searches at least that far along."""
    peak_memory_bytes: int | None = None
    """Largest resident set of a candidate run."""
    backend: str = ""
    """Sandbox backend that ran the candidate (`docker`, `local`)."""
    isolation: str = ""
    """What isolation was in force, in words."""
    hardware: dict[str, Any] = field(default_factory=dict)
    """Fingerprint of the machine that timed it (cpu model, cores, kernel...)."""
    seed: int | None = None
    """Seed of the randomized parts of the judge (input generation, bootstrap)."""
    details: dict[str, Any] = field(default_factory=dict)
    """Judge-specific extras (per-test times, re-verification results...), JSON-safe."""

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        return from_dict(cls, data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Evaluation:
        return cls.from_dict(json.loads(text))

    @classmethod
    def failure(cls, status: Status, message: str, **fields: Any) -> Evaluation:
        """A non-ok verdict; the only way judges build one, so `correct` cannot disagree."""
        if status is Status.OK:
            raise ValueError("failure() needs a failing status")
        return cls(status=status, correct=False, message=message, **fields)


def is_claimable(evaluation: Evaluation | None) -> bool:
    """True when a speedup may be claimed: correct, timed, interval entirely above 1.0."""
    if evaluation is None or evaluation.status is not Status.OK or not evaluation.correct:
        return False
    if evaluation.speedup is None or not evaluation.significant:
        return False
    low = evaluation.speedup_ci[0] if evaluation.speedup_ci else evaluation.speedup
    return low > 1.0
