"""The critique interface: raw execution feedback in, a diagnosis out.

The loop calls `Critique.diagnose(task, candidate_source, evaluation, context)` once per
judged candidate (never for replies without code) and stores the `Diagnosis` on the node;
the observation builder shows the latest one to the proposer. A critique that needs an LLM
receives a `TextGenerator` (a plain callable) at construction, so this package never
imports `maxcode`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from benchmarks.task import Task
from sandbox.evaluation import Evaluation
from sandbox.jsonable import from_dict, to_dict

# Where a diagnosis came from; an LLM failure is spelled out so the node records it.
SOURCE_NONE = "none"
SOURCE_RULES = "rules"
SOURCE_LLM = "llm"


def rules_after_llm_failure(reason: str) -> str:
    """The `source` of a rule-based diagnosis used because the LLM critic failed."""
    return f"rules (llm failed: {reason})"


@dataclass
class Finding:
    """One fact an analyzer established, with the numbers behind it."""

    analyzer: str
    """Which analyzer found it: `compile`, `runtime`, `sanitizer`, `wrong_answer`, ..."""
    summary: str
    """One or two sentences the proposer can act on."""
    data: dict[str, Any] = field(default_factory=dict)
    """The structured facts (file, line, signal, errors, hot lines...), JSON-safe."""


@dataclass
class Diagnosis:
    """What went wrong (or what limits speed) and what to try next."""

    text: str
    """The diagnosis shown to the proposer and to users."""
    tags: dict[str, Any] = field(default_factory=dict)
    """Short JSON-safe labels: `failure_class` (an Evaluation status), `bottleneck`, `fault`..."""
    findings: list[Finding] = field(default_factory=list)
    """The rule-based facts the text was built from (kept for the LLM critic and reports)."""
    suggestions: list[str] = field(default_factory=list)
    """Prioritized, concrete next steps, most promising first (no code)."""
    source: str = SOURCE_RULES
    """`none`, `rules`, `llm`, or `rules (llm failed: <reason>)`."""

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        return from_dict(cls, data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


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
