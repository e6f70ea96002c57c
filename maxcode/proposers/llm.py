"""What every LLM backend shares: the call cache and the text-generation adapter.

A backend implements `generate(messages, n, seed) -> list[Reply]`; `propose` looks each
sample up in the cache first (key: model, messages, sampling parameters, draw index) and
asks the backend only for the missing ones.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from maxcode.cache import LLMCache, cache_key
from maxcode.observation import Observation
from maxcode.proposers.base import Reply

log = logging.getLogger(__name__)


class LLMProposer:
    """Base of the model-backed proposers."""

    model: str = ""

    def __init__(self, cache_path: str | None = None, seed: int = 0) -> None:
        self.cache = LLMCache(Path(cache_path)) if cache_path else None
        self.seed = seed

    # Backends override these two.
    def sampling_params(self) -> dict[str, Any]:
        """Everything besides the prompt that changes the reply (goes into the cache key)."""
        return {}

    def generate(self, messages: list[dict[str, str]], n: int, seed: int) -> list[Reply]:
        raise NotImplementedError

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        params = {**self.sampling_params(), "seed": self.seed}
        keys = [cache_key(self.model, observation.messages, params, observation.draw + i)
                for i in range(k)]
        replies: list[Reply | None] = [self._lookup(key) for key in keys]
        missing = [i for i, r in enumerate(replies) if r is None]
        if missing:
            # One request for all missing samples; its seed follows the first missing draw
            # so a re-run that misses the same samples asks the same question.
            fresh = self.generate(observation.messages, len(missing),
                                  seed=self.seed * 1_000_003 + observation.draw + missing[0])
            for i, reply in zip(missing, fresh, strict=False):
                replies[i] = reply
                if self.cache is not None:
                    self.cache.put(keys[i], asdict(reply))
        log.debug("%s: %d of %d samples from cache", self.model, k - len(missing), k)
        return [r for r in replies if r is not None]

    def _lookup(self, key: str) -> Reply | None:
        if self.cache is None:
            return None
        hit = self.cache.get(key)
        if hit is None:
            return None
        reply = Reply(**hit)
        reply.meta = {**reply.meta, "billed_tokens": reply.prompt_tokens + reply.completion_tokens}
        reply.calls, reply.prompt_tokens, reply.completion_tokens = 0, 0, 0
        reply.cached, reply.latency_s = True, 0.0
        return reply

    def text_generator(self, on_reply=None):
        """A `maxcode.critique.base.TextGenerator` over this backend (cached like proposals).

        The backend's own sampling parameters apply (temperature, reply length), and the
        cache key marks the request as the critic's. `on_reply(reply)` lets the loop bill the
        critic's requests to the budget.
        """
        counts: dict[str, int] = {}

        def generate_text(prompt: str) -> str:
            messages = [{"role": "user", "content": prompt}]
            key = cache_key(self.model, messages, {**self.sampling_params(), "seed": self.seed,
                                                   "purpose": "critic"}, counts.get(prompt, 0))
            counts[prompt] = counts.get(prompt, 0) + 1
            reply = self._lookup(key)
            if reply is None:
                reply = self.generate(messages, 1, seed=self.seed)[0]
                if self.cache is not None:
                    self.cache.put(key, asdict(reply))
            if on_reply is not None:
                on_reply(reply)
            return reply.text

        return generate_text
