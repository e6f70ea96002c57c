"""The proposer interface: an observation in, k replies out.

Every backend (OpenAI-compatible endpoint, local transformers model, in-process vLLM, the
variant library, replay of an earlier run) implements `propose(observation, k)`. Replies
are raw text; the loop extracts the code (maxcode/extract.py), so a reply without code is
still recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from maxcode.observation import Observation


@dataclass
class Reply:
    """One sample from a proposer."""

    text: str
    """The raw reply."""
    model: str
    """Model that wrote it (`library` and `replay` name themselves)."""
    calls: int = 0
    """Requests billed to this reply: 1 on the first sample of each request, else 0."""
    prompt_tokens: int = 0
    """Prompt tokens billed to this reply (a request's prompt is billed to its first sample)."""
    completion_tokens: int = 0
    """Completion tokens of this sample."""
    cached: bool = False
    """True when served from the LLM call cache; then nothing is billed."""
    latency_s: float = 0.0
    """Seconds the request took."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Backend extras (finish reason, variant name...), JSON-safe."""


@runtime_checkable
class Proposer(Protocol):
    """Writes k candidate programs for an observation."""

    def propose(self, observation: Observation, k: int) -> list[Reply]: ...
