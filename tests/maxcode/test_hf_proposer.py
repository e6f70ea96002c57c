"""proposer=hf with a tiny randomly initialized local model (no hub access)."""

from __future__ import annotations

import pytest
from tiny_lm import build_tiny_lm

from maxcode.node import NodeStatus
from maxcode.proposers.hf import HFProposer
from maxcode.search.best_of_n import BestOfN


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    return build_tiny_lm(tmp_path_factory.mktemp("tiny_lm"))


def test_tiny_random_model_runs_the_loop_to_completion(make_search, tiny_model, tmp_path):
    proposer = HFProposer(model=str(tiny_model), max_new_tokens=24, batch_size=2,
                          cache_path=str(tmp_path / "cache.sqlite"))
    search = make_search(BestOfN(n=4, batch=4), proposer)
    assert search.run() == "the strategy finished"
    nodes = search.tree.candidates()
    assert len(nodes) == 4
    # Noise has no code (or code that cannot be right): every node ends cleanly.
    assert all(n.status in (NodeStatus.NO_CODE, NodeStatus.COMPILE_ERROR, NodeStatus.WRONG_ANSWER,
                            NodeStatus.OK) for n in nodes)
    assert all(n.reply is not None for n in nodes)
    assert nodes[0].proposer.calls == 1 and nodes[0].proposer.prompt_tokens > 0
    assert sum(n.proposer.completion_tokens for n in nodes) > 0
    # The chat template was used.
    assert proposer._prompt([{"role": "user", "content": "x"}]).startswith("<|user|>x")


def test_missing_model_is_a_clear_error(tmp_path):
    from loop_fakes import TASK

    from maxcode.errors import ProposerUnavailable
    from maxcode.node import Node
    from maxcode.observation import ObservationBuilder
    from maxcode.tree import SearchTree

    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=TASK.baseline_source)
    obs = ObservationBuilder().build(TASK, SearchTree([root]), root, draw_counts={}, serial=0, seed=0)
    with pytest.raises(ProposerUnavailable, match="cannot load"):
        HFProposer(model=str(tmp_path / "no-such-model")).propose(obs, 1)
    with pytest.raises(ProposerUnavailable, match="needs a model"):
        HFProposer()
