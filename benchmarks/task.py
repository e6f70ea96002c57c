"""The `Task` record: one slow program plus the way to check a rewrite of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from maxcode.records.jsonable import from_dict, to_dict
from maxcode.records.testcases import TestCase
from maxcode.records.tolerance import Tolerance

FAMILIES = ("kernel", "cpp")


@dataclass
class Task:
    """A program to make faster, in one of the two task families."""

    id: str
    """Unique within its suite, e.g. `pie/p02577` or `kernelbench/level1/19_ReLU`."""
    family: str
    """`kernel` (KernelBench format) or `cpp` (PIE format)."""
    language: str
    """Language of baseline and candidates: `python` for kernel tasks, `cpp` for cpp tasks."""
    baseline_source: str
    """The slow program: a KernelBench problem module, or a C++17 program."""
    source_path: str | None = None
    """Where the baseline was read from, if from a file."""
    tests: list[TestCase] = field(default_factory=list)
    """Cpp tasks: stdin/expected-output pairs. Kernel tasks generate inputs themselves."""
    tolerance: Tolerance | None = None
    """Kernel tasks: allclose tolerance (None means the judge's default)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Suite, level, problem name, human-best time if known, ... (JSON-safe)."""

    @property
    def problem(self) -> str:
        """The problem this task is one instance of: a PIE pair is one submission of a CodeNet
        problem (`pie/p02577`), and held-out splits must keep a problem's tasks together.
        KernelBench numbers its problems within a level (level1/1 and level2/1 are unrelated):
        its problems are `kernelbench/level2/1`. Tasks without a `problem_id` are their own
        problem."""
        problem_id = self.metadata.get("problem_id")
        suite = self.metadata.get("suite")
        if not (problem_id and suite):
            return self.id
        level = self.metadata.get("level")
        return f"{suite}/level{level}/{problem_id}" if level is not None else f"{suite}/{problem_id}"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"Task {self.id!r}: family must be one of {FAMILIES}, got {self.family!r}")

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        return from_dict(cls, data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Task:
        return cls.from_dict(json.loads(text))
