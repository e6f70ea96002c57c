"""`Diagnosis`: the critique's reading of one verdict, as stored on a node.

It lives with the records because a node holds one (critique/ writes them, the loop, the
reports and the reward-to-go dataset read them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from maxcode.records.jsonable import from_dict, to_dict

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
