"""`proposer=mix`: several proposers sharing the samples of each request.

`shares` are integer weights in list order: with shares [1, 3], samples 0, 4, 8... of the run
go to the first proposer and the others to the second (by the observation's `serial`, so a
run and its resume split the same way). A proposer that returns fewer replies than asked
(the rewrites proposer on a program where nothing more applies, e.g. a kernel reference
without a custom kernel) passes the rest on to the next ones in list order, then to the
earlier ones. A proposer that cannot serve the task at all (`ProposerUnavailable`, e.g. a
library without variants for it) is left out of the run with a warning, unless none is left.

Typical mixes: library first-generation kernels with rewrites on top; rewrites before an LLM
to save its calls (`shares: [3, 1]`).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from maxcode.errors import ConfigError, ProposerUnavailable
from maxcode.observation import Observation
from maxcode.proposers.base import Proposer, Reply

log = logging.getLogger(__name__)


class MixProposer:
    """Splits each request over `proposers` by `shares`; shortfalls go to the others."""

    def __init__(self, proposers: list[Any], shares: list[int] | None = None) -> None:
        if not proposers:
            raise ConfigError("proposer=mix has no proposers", "list them under proposer.proposers")
        shares = list(shares) if shares is not None else [1] * len(proposers)
        if len(shares) != len(proposers) or any(int(s) != s or s < 0 for s in shares) or not sum(shares):
            raise ConfigError(f"proposer.shares={shares} does not fit {len(proposers)} proposers",
                              "give one non-negative integer per proposer, not all zero")
        for p in proposers:
            if not isinstance(p, Proposer):
                raise ConfigError(f"proposer.proposers holds a {type(p).__name__}, not a proposer",
                                  "give each entry a proposer `_target_` (see conf/proposer/)")
        self.proposers = list(proposers)
        self.cycle = [i for i, s in enumerate(shares) for _ in range(int(s))]
        # A member with share 0 is a fallback: asked only for what the others could not give.
        self.fallbacks = [i for i, s in enumerate(shares) if not s]
        self.disabled: dict[int, ProposerUnavailable] = {}
        self.model = "mix:" + "+".join(str(getattr(p, "model", type(p).__name__)) for p in proposers)

    def _ask(self, index: int, observation: Observation, n: int, given: int) -> list[Reply]:
        """Up to `n` replies from proposer `index`; the observation's draw and serial move
        past the `given` samples this request already holds (`meta["mix_given"]` says how
        many, for members that count their own samples)."""
        if index in self.disabled or n <= 0:
            return []
        obs = dataclasses.replace(observation, draw=observation.draw + given,
                                  serial=observation.serial + given,
                                  meta={**observation.meta, "mix_given": str(given)})
        try:
            replies = self.proposers[index].propose(obs, n)
        except ProposerUnavailable as exc:
            self.disabled[index] = exc
            if len(self.disabled) == len(self.proposers):
                raise
            log.warning("mix: proposer %d (%s) left out: %s", index, type(self.proposers[index]).__name__, exc)
            return []
        for r in replies:
            r.meta = {**r.meta, "mix": index}
        return replies[:n]

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        wanted = [0] * len(self.proposers)
        for j in range(observation.serial, observation.serial + k):
            wanted[self.cycle[j % len(self.cycle)]] += 1
        replies: list[Reply] = []
        short = 0
        exhausted: set[int] = set()
        for index, n in enumerate(wanted):
            if index in self.fallbacks:
                continue
            ask = n + short
            got = self._ask(index, observation, ask, len(replies))
            short = ask - len(got)
            if short:
                exhausted.add(index)
            replies += got
        fallbacks_last = [i for i in range(len(self.proposers)) if i not in self.fallbacks] + self.fallbacks
        for index in fallbacks_last:  # a shortfall left at the end goes back, then to the fallbacks
            if short <= 0:
                break
            if index in exhausted:
                continue
            got = self._ask(index, observation, short, len(replies))
            short -= len(got)
            replies += got
        return replies


__all__ = ["MixProposer"]
