"""The search tree: every node of a run, indexed the ways strategies and the loop ask."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator

from maxcode.records.evaluation import is_claimable
from maxcode.records.node import Node, NodeStatus


class SearchTree:
    """Nodes in id order with lookups by id, parent and source hash."""

    def __init__(self, nodes: Iterable[Node] = ()) -> None:
        self.nodes: list[Node] = []
        self.by_id: dict[int, Node] = {}
        self.children: dict[int, list[Node]] = {}
        self.by_hash: dict[str, Node] = {}
        for node in nodes:
            self.add(node)

    def add(self, node: Node) -> None:
        if node.id in self.by_id:
            raise ValueError(f"node {node.id} is already in the tree")
        # Kept in id order whatever order parallel judging finishes in, so that every choice
        # made from the tree is the same live and after a resume (which reads nodes by id).
        if self.nodes and node.id < self.nodes[-1].id:
            bisect.insort(self.nodes, node, key=lambda n: n.id)
        else:
            self.nodes.append(node)
        self.by_id[node.id] = node
        if node.parent_id is not None:
            self.children.setdefault(node.parent_id, []).append(node)
        # The first judged node of a source is the one duplicates point to.
        if node.source_hash and node.duplicate_of is None and node.evaluation is not None:
            self.by_hash.setdefault(node.source_hash, node)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def root(self) -> Node:
        return self.nodes[0]

    def before(self, step: int) -> SearchTree:
        """The tree as it was when `step` began: what a strategy may look at to choose."""
        return SearchTree(n for n in self.nodes if n.step < step)

    def last_step(self) -> int:
        return max((n.step for n in self.nodes), default=0)

    def candidates(self) -> list[Node]:
        """Every node except the root."""
        return [n for n in self.nodes if n.status is not NodeStatus.BASELINE]

    def correct(self) -> list[Node]:
        """Judged-correct nodes (duplicates excluded), in id order."""
        return [n for n in self.nodes if n.correct and n.duplicate_of is None]

    def best(self) -> Node | None:
        """The answer: the correct node with the highest speedup among those whose interval
        lies above 1.0 (ties go to the earlier node); None when no claim can be made."""
        claimable = [n for n in self.correct() if is_claimable(n.evaluation)]
        return max(claimable, key=lambda n: (n.speedup or 0.0, -n.id), default=None)

    def fastest_correct(self) -> Node | None:
        """The correct node with the highest point-estimate speedup, significant or not."""
        return max(self.correct(), key=lambda n: (n.speedup or 0.0, -n.id), default=None)

    def status_counts(self) -> dict[str, int]:
        return dict(Counter(n.status.value for n in self.candidates()))

    def lineage(self, node: Node) -> list[Node]:
        """Root-to-node path."""
        path = [node]
        while path[-1].parent_id is not None:
            path.append(self.by_id[path[-1].parent_id])
        return path[::-1]
