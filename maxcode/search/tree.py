"""Max-reward tree search: expand the node whose subtree has the highest upper bound on
its *maximum* reward.

For a program v: M(v) is the best reward in v's subtree (v included; the baseline counts as
1.0), n(v) the number of candidates proposed under it, N the number proposed in all. The
bound is an optimistic max-backup UCB,

    U(v) = M(v) + c * B * sqrt(ln(N + 1) / (n(v) + 1)),

with B the best reward so far (rewards are speedups, not bounded by 1). The search expands
the node with the highest U among the baseline and the correct programs, `samples` at a time,
each node at most `max_children` times. Max backup rather than mean: the objective is the
best program found, so a subtree is worth its best leaf, not its average.

A node whose expansion gives no new program is passed over for the next bound within the
same step: for the rest of the run when the proposer had nothing for it (the known rewrites
all stacked), for this step when it only repeated programs the tree holds. Otherwise the
best node, its rewrites spent, was chosen again and again until the loop stopped the run
for idleness with most of its budget unspent (the rollouts stopped at 9-16 of 100).
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from maxcode.loop import Step
from maxcode.records.node import Node, NodeStatus
from maxcode.search_tree import SearchTree


@dataclass
class TreeSearch:
    """Best-first expansion by an upper bound on the subtree's maximum reward."""

    samples: int = 2
    """Candidates per expansion (one step)."""
    exploration: float = 0.5
    """c: weight of the exploration bonus, in units of the best reward so far."""
    max_children: int = 8
    """A node is not expanded again once it has this many children."""
    expansions: int | None = 10
    """Steps; None: until the budget stops it."""
    exhausted: set[int] = field(default_factory=set, init=False, repr=False)
    """Nodes the proposer had nothing more for (kept in memory: a resumed run asks once more)."""

    def done(self, tree: SearchTree) -> bool:
        return self.expansions is not None and tree.last_step() >= self.expansions

    def subtree_stats(self, tree: SearchTree) -> tuple[dict[int, float], dict[int, int]]:
        """M(v) and n(v) for every node, by one pass from the leaves up (ids grow downwards)."""
        best = {n.id: self.own_reward(n) for n in tree}
        size = {n.id: 0 for n in tree}
        for node in reversed(tree.nodes):
            if node.parent_id is not None:
                best[node.parent_id] = max(best[node.parent_id], best[node.id])
                size[node.parent_id] += size[node.id] + 1
        return best, size

    @staticmethod
    def own_reward(node: Node) -> float:
        if node.status is NodeStatus.BASELINE:
            return 1.0
        return node.reward or 0.0

    def select(self, tree: SearchTree, passed: AbstractSet[int] = frozenset()) -> Node | None:
        """The open node with the highest bound, leaving out `passed` and exhausted nodes;
        the root when no node is open at all (unless passed), None when every open node
        was left out."""
        best, size = self.subtree_stats(tree)
        total = len(tree) - 1
        scale = max(1.0, max(best.values()))
        open_nodes = [n for n in tree if (n.status is NodeStatus.BASELINE or
                                          (n.correct and n.duplicate_of is None))
                      and len(tree.children.get(n.id, [])) < self.max_children]
        if not open_nodes:
            return None if tree.root.id in passed else tree.root
        open_nodes = [n for n in open_nodes if n.id not in passed and n.id not in self.exhausted]
        if not open_nodes:
            return None

        def bound(n: Node) -> tuple[float, int]:
            bonus = self.exploration * scale * math.sqrt(math.log(total + 1) / (size[n.id] + 1))
            return best[n.id] + bonus, -n.id

        return max(open_nodes, key=bound)

    def step(self, step: Step) -> None:
        passed: set[int] = set()
        # select: the highest upper bound on a subtree's maximum reward ...
        while (parent := self.select(step.tree, passed)) is not None:
            # ... propose -> rank -> evaluate.
            candidates = step.propose(parent, self.samples)
            step.evaluate(step.rank(candidates))
            if step.new_programs or step.evaluations_left == 0:
                return
            # Nothing new from it: the next bound, in this step.
            if not candidates:
                self.exhausted.add(parent.id)
            passed.add(parent.id)
