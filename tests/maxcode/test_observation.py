"""Prompts per task family and the history's full/summarized split."""

from __future__ import annotations

from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus

from maxcode.observation import ObservationBuilder, ObservationConfig
from maxcode.search_tree import SearchTree

KERNEL = Task(id="kb/relu", family="kernel", language="python",
              baseline_source="class Model(nn.Module):\n    def forward(self, x):\n        return torch.relu(x)\n")


def root(task):
    return Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=task.baseline_source)


def test_kernel_prompt_follows_kernelbench_and_names_the_device():
    r = root(KERNEL)
    for device, hint in (("cpu", "no GPU"), ("cuda", "CUDA kernels")):
        obs = ObservationBuilder(device=device).build(KERNEL, SearchTree([r]), r, draw_counts={}, serial=0, seed=0)
        text = obs.text
        assert "ModelNew" in text and "load_inline" in text and "NO testing code" in text
        assert hint in text and "return torch.relu(x)" in text
        assert obs.messages[0]["role"] == "system"


def test_history_shows_recent_attempts_in_full_and_older_ones_in_one_line():
    r = root(KERNEL)
    nodes = [r]
    for i in range(1, 6):
        ev = Evaluation.failure(Status.COMPILE_ERROR, f"error {i}", compile_log=f"log {i}")
        nodes.append(Node(id=i, parent_id=0, step=i, index=0, status=NodeStatus.COMPILE_ERROR,
                          source=f"class ModelNew: # attempt {i}\n", evaluation=ev, reward=0.0))
    tree = SearchTree(nodes)
    cfg = ObservationConfig(history=True, history_full=2, history_summarized=2)
    text = ObservationBuilder(cfg).build(KERNEL, tree, r, draw_counts={}, serial=5, seed=0).text
    assert "attempt 5" in text and "attempt 4" in text and "log 5" in text  # full
    assert "- node 3 (from node 0): compile error" in text and "attempt 3" not in text  # summarized
    assert "node 1 " not in text  # beyond history_summarized
    same = ObservationBuilder(cfg).build(KERNEL, tree, r, draw_counts={}, serial=5, seed=0)
    assert same.prompt_hash == ObservationBuilder(cfg).build(KERNEL, tree, r, draw_counts={}, serial=9, seed=0).prompt_hash
