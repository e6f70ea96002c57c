"""The critique interface: raw execution feedback in, a diagnosis out.

The loop calls `Critique.diagnose(task, candidate_source, evaluation)` once per judged
candidate (never for replies without code) and stores the `Diagnosis` on the node; the
observation builder shows the latest one to the proposer. A critique that needs an LLM
receives a `TextGenerator` (a plain callable) at construction, so this package never
imports `maxcode`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from benchmarks.task import Task
from sandbox.evaluation import Evaluation


@dataclass
class Diagnosis:
    """What a critique concluded about one judged candidate."""

    text: str
    """Diagnosis and prioritized suggestions in prose, no code; shown to the proposer."""
    tags: dict[str, Any] = field(default_factory=dict)
    """Structured findings, JSON-safe (e.g. `failure_class`, `bottleneck`)."""


@runtime_checkable
class Critique(Protocol):
    """Turns a judge's verdict on a candidate into a diagnosis."""

    def diagnose(self, task: Task, candidate_source: str, evaluation: Evaluation) -> Diagnosis: ...


class TextGenerator(Protocol):
    """A text-generation callable handed to LLM critics: a prompt in, the reply text out."""

    def __call__(self, prompt: str, *, max_tokens: int = 1024) -> str: ...


class NoCritique:
    """The `critique: none` default: no diagnosis; the proposer sees the raw feedback only."""

    def diagnose(self, task: Task, candidate_source: str, evaluation: Evaluation) -> Diagnosis:
        return Diagnosis(text="", tags={})
