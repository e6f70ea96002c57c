"""Best-of-N: N independent samples from the baseline; the answer is the best of them.

The standard baseline every other strategy must beat on an equal budget. No feedback
reaches the proposer: every request sees only the task.
"""

from __future__ import annotations

from dataclasses import dataclass

from maxcode.loop import Step
from maxcode.records.node import NodeStatus
from maxcode.search_tree import SearchTree


@dataclass
class BestOfN:
    """N samples of the baseline, `batch` per proposer request."""

    n: int = 8
    """Samples in all (the budget may stop the search earlier)."""
    batch: int = 4
    """Samples per step, drawn in one proposer request."""

    def samples(self, tree: SearchTree) -> int:
        """Samples taken: every proposal except those never judged (ranked below the cut),
        so that a reranked best-of-n judges n, like the plain one."""
        return sum(n.status is not NodeStatus.SKIPPED for n in tree.candidates())

    def done(self, tree: SearchTree) -> bool:
        return self.samples(tree) >= self.n

    def step(self, step: Step) -> None:
        # select: always the baseline.
        parent = step.tree.root
        k = min(self.batch, self.n - self.samples(step.tree))
        # propose -> rank -> evaluate (each judged node is recorded as it finishes).
        candidates = step.propose(parent, k)
        candidates = step.rank(candidates)
        step.evaluate(candidates)
