"""The critique interface: raw execution feedback in, a diagnosis out.

The loop calls `Critique.diagnose(task, candidate_source, evaluation, context)` once per
judged candidate (never for replies without code) and stores the `Diagnosis` on the node;
the observation builder shows the latest one to the proposer. A critique that needs an LLM
receives a `TextGenerator` (a plain callable) at construction, so this package never
imports `maxcode`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from maxcode.benchmarks.task import Task
from maxcode.records.diagnosis import SOURCE_NONE, Diagnosis
from maxcode.records.evaluation import Evaluation


@dataclass
class CritiqueContext:
    """What the loop knows beyond the one evaluation: where the search stands."""

    best_speedup: float | None = None
    """Best verified speedup found so far in this search (None: nothing correct yet)."""
    best_speedup_ci: tuple[float, float] | None = None
    """Its 95% confidence interval."""
    parent_speedup: float | None = None
    """Speedup of the program this candidate was derived from."""
    step: int | None = None
    """Search step of the candidate."""


@runtime_checkable
class Critique(Protocol):
    """Feedback -> diagnosis. Implementations: `NoCritique`, `RuleCritique`, `LLMCritique`."""

    def diagnose(
        self,
        task: Task,
        candidate_source: str,
        evaluation: Evaluation,
        context: CritiqueContext | None = None,
    ) -> Diagnosis: ...


class TextGenerator(Protocol):
    """A text-generation callable handed to LLM critics: a prompt in, the reply text out.

    Raises on failure (unreachable endpoint, HTTP error, model that cannot load); the LLM
    critic then falls back to the rule-based diagnosis. Sampling parameters (temperature,
    reply length) and caching belong to whoever made the callable: in the search it is a
    proposer backend's `text_generator()`, cached and billed like a proposal.
    """

    def __call__(self, prompt: str) -> str: ...


class NoCritique:
    """The `critique: none` default: no diagnosis; the proposer sees the raw feedback only."""

    def diagnose(
        self,
        task: Task,
        candidate_source: str,
        evaluation: Evaluation,
        context: CritiqueContext | None = None,
    ) -> Diagnosis:
        return Diagnosis(text="", tags={}, source=SOURCE_NONE)
