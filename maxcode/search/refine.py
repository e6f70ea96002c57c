"""Iterative refinement, Effi-Learner style: one candidate per step from the current
program; the candidate becomes the current program only if it is correct and faster.

The current program is recomputed from the tree each step (not kept in a variable), which
is what lets a resumed run pick up exactly where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxcode.loop import Step
from maxcode.records.node import Node
from maxcode.search_tree import SearchTree


@dataclass
class Refine:
    """One candidate per step, kept only if correct and faster than the current program."""

    steps: int | None = 5
    """Refinement steps (Effi-Learner uses 5); None: until the budget stops it."""
    samples: int = 1
    """Candidates per step; the fastest correct one among them may be kept."""
    require_significant: bool = False
    """Keep a candidate only when its speedup interval lies wholly above the current one's
    speedup (stricter; guards against keeping noise)."""

    def done(self, tree: SearchTree) -> bool:
        return self.steps is not None and tree.last_step() >= self.steps

    def current(self, tree: SearchTree) -> Node:
        """Replay the keep/discard decisions in node order."""
        current = tree.root
        for node in tree.candidates():
            if node.parent_id == current.id and self.improves(node, current):
                current = node
        return current

    def improves(self, node: Node, current: Node) -> bool:
        if not node.correct or node.duplicate_of is not None or node.speedup is None:
            return False
        bar = current.speedup if current.speedup is not None else 1.0
        if self.require_significant:
            ci = node.evaluation.speedup_ci if node.evaluation else None
            return node.evaluation.significant and ci is not None and ci[0] > bar
        return node.speedup > bar

    def step(self, step: Step) -> None:
        # select: the current program (the last kept improvement, or the baseline).
        parent = self.current(step.tree)
        # propose -> rank -> evaluate; keeping or discarding is decided by `current` next step.
        candidates = step.propose(parent, self.samples)
        candidates = step.rank(candidates)
        step.evaluate(candidates)
