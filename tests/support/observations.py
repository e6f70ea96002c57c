"""An observation of one program as a search's root or child: what a proposer is given."""

from __future__ import annotations

from maxcode.benchmarks.task import Task
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash

from maxcode.observation import ObservationBuilder
from maxcode.search_tree import SearchTree


def observe(source: str, *, language: str = "cpp", seed: int = 0, draw: int = 0, meta: dict | None = None,
            task: Task | None = None, node_id: int = 0):
    task = task or Task(id="t/x", family="cpp" if language == "cpp" else "kernel", language=language,
                        baseline_source=source)
    node = Node(id=node_id, parent_id=None if node_id == 0 else 0, step=0, index=0,
                status=NodeStatus.BASELINE if node_id == 0 else NodeStatus.OK, source=source,
                source_hash=source_hash(source), proposer=ProposerInfo(meta=meta or {}))
    obs = ObservationBuilder().build(task, SearchTree([node]), node, draw_counts={}, serial=draw, seed=seed)
    obs.draw = draw
    obs.meta["device"] = "cpu"
    return obs
