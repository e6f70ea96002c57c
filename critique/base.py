"""The critique's records and interfaces: `Diagnosis`, `Finding`, `Critique`, `TextGenerator`.

A critique turns one `Evaluation` into a diagnosis the proposer can act on. It sits on floor
3: it never imports `maxcode`; an LLM reaches it as an injected `TextGenerator`.
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
    tags: dict[str, str] = field(default_factory=dict)
    """Short labels: `failure_class` (an Evaluation status), `bottleneck`, `fault`..."""
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


@runtime_checkable
class TextGenerator(Protocol):
    """The one thing the LLM critic needs from a model: prompt in, text out.

    `model_id` names the model and its settings; it is part of the cache key, so two
    generators that may answer differently must not share one.
    """

    model_id: str

    def generate(self, prompt: str, max_tokens: int) -> str:
        """Return the completion of `prompt`, at most `max_tokens` tokens; raise on failure."""
        ...
