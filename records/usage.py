"""What a search, or one node of it, spent: LLM requests, tokens, dollars, evaluations,
wall time. One type, so a run's spending is the sum of its nodes' (`Node.spent()`) and every
reader (budget restore, curves, reports, sweep metrics, trackers) adds up the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from maxcode.records.jsonable import to_dict


@dataclass
class Usage:
    """Spending; `+` adds two of them (wall time too: seconds of separate sessions)."""

    llm_calls: int = 0
    """Requests to a proposer or critic (cache hits excluded)."""
    prompt_tokens: int = 0
    """Prompt tokens billed."""
    completion_tokens: int = 0
    """Completion tokens billed."""
    cost_usd: float = 0.0
    """Dollars from the price table."""
    evaluations: int = 0
    """Judge evaluations run."""
    wall_s: float = 0.0
    """Wall-clock seconds of search."""

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def to_dict(self) -> dict:
        return {**to_dict(self), "tokens": self.tokens}


@dataclass
class CriticUsage:
    """The LLM critic's requests billed to one node (`Node.critic_usage`)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
