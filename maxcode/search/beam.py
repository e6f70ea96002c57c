"""Beam search, CUDA-LLM / FSR style: each round, K candidates from the b fastest correct
programs so far (compile -> validate -> profile by the judge); the fastest correct ones
become the next round's parents. Before anything is correct, the baseline is the parent.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxcode.loop import Step
from maxcode.records.node import Node
from maxcode.search_tree import SearchTree


@dataclass
class Beam:
    """K candidates per round, spread over the best b programs."""

    width: int = 2
    """b: parents per round (the fastest correct programs found so far)."""
    samples: int = 4
    """K: candidates per round, split as evenly as possible over the parents."""
    rounds: int | None = 5
    """Rounds; None: until the budget stops it."""

    def done(self, tree: SearchTree) -> bool:
        return self.rounds is not None and tree.last_step() >= self.rounds

    def parents(self, tree: SearchTree) -> list[Node]:
        correct = sorted(tree.correct(), key=lambda n: (-(n.speedup or 0.0), n.id))
        return correct[: self.width] or [tree.root]

    def step(self, step: Step) -> None:
        # select: the b fastest correct programs.
        parents = self.parents(step.tree)
        shares = [self.samples // len(parents) + (i < self.samples % len(parents))
                  for i in range(len(parents))]
        # propose K in all -> rank them together -> evaluate.
        candidates = []
        for parent, k in zip(parents, shares, strict=False):
            if k > 0:
                candidates += step.propose(parent, k)
        candidates = step.rank(candidates)
        step.evaluate(candidates)
