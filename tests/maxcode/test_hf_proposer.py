"""proposer=hf with a tiny randomly initialized local model (no hub access)."""

from __future__ import annotations

import pytest
from maxcode.records.node import NodeStatus
from tiny_lm import build_tiny_lm

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
    from maxcode.records.node import Node

    from maxcode.errors import ProposerUnavailable
    from maxcode.observation import ObservationBuilder
    from maxcode.search_tree import SearchTree

    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=TASK.baseline_source)
    obs = ObservationBuilder().build(TASK, SearchTree([root]), root, draw_counts={}, serial=0, seed=0)
    with pytest.raises(ProposerUnavailable, match="cannot load"):
        HFProposer(model=str(tmp_path / "no-such-model")).propose(obs, 1)
    with pytest.raises(ProposerUnavailable, match="needs a model"):
        HFProposer()


@pytest.fixture(scope="session")
def short_context_model(tmp_path_factory):
    return build_tiny_lm(tmp_path_factory.mktemp("tiny_lm_128"), n_positions=128)


def test_a_prompt_longer_than_the_models_context_is_fitted_head_and_tail(make_search, short_context_model,
                                                                         tmp_path, caplog):
    # The observation (system prompt, task, request) is several hundred tokens; the model
    # has 128 positions. Before: IndexError in the position embedding, exit 1.
    proposer = HFProposer(model=str(short_context_model), max_new_tokens=16, batch_size=2,
                          cache_path=str(tmp_path / "cache.sqlite"))
    search = make_search(BestOfN(n=2, batch=2), proposer)
    with caplog.at_level("WARNING"):
        assert search.run() == "the strategy finished"
    nodes = search.tree.candidates()
    assert len(nodes) == 2 and nodes[0].proposer.prompt_tokens == 128 - 16
    assert "cut to 112 (model context 128" in caplog.text
    # What was kept: the prompt's start (system prompt, task) and its end (the request).
    messages = [{"role": "system", "content": "SYSTEM " * 300}, {"role": "user", "content": "TASK " * 300 + "END"}]
    full = proposer._tokenizer(proposer._prompt(messages), return_tensors="pt")
    fitted = proposer._fit(full)["input_ids"][0].tolist()
    ids = full["input_ids"][0].tolist()
    assert len(fitted) == 112 and fitted[:20] == ids[:20] and fitted[-20:] == ids[-20:]


def test_no_room_for_a_prompt_is_one_clear_error(short_context_model, tmp_path):
    from loop_fakes import TASK
    from maxcode.records.node import Node

    from maxcode.errors import ProposerUnavailable
    from maxcode.observation import ObservationBuilder
    from maxcode.search_tree import SearchTree

    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=TASK.baseline_source)
    obs = ObservationBuilder().build(TASK, SearchTree([root]), root, draw_counts={}, serial=0, seed=0)
    proposer = HFProposer(model=str(short_context_model), max_new_tokens=120, cache_path=str(tmp_path / "c.sqlite"))
    with pytest.raises(ProposerUnavailable, match="has a context of 128 tokens; max_new_tokens=120 leaves 8"):
        proposer.propose(obs, 1)


def test_a_gpt2_sized_context_of_1024_positions_takes_a_longer_prompt(tmp_path):
    # GPT-2 and many small code models have 1024 positions: a search's observation with its
    # history passes that, and generation used to raise IndexError in the position embedding.
    model = build_tiny_lm(tmp_path / "lm_1024", n_positions=1024)
    proposer = HFProposer(model=str(model), max_new_tokens=16, batch_size=1, cache_path=str(tmp_path / "c.sqlite"))
    messages = [{"role": "system", "content": "You optimize programs. " * 200},
                {"role": "user", "content": "int main() { return 0; }\n" * 200 + "Make it faster."}]
    proposer._load()
    assert proposer._tokenizer(proposer._prompt(messages), return_tensors="pt")["input_ids"].shape[1] > 1024
    (reply,) = proposer.generate(messages, 1, seed=0)
    assert reply.prompt_tokens == 1024 - 16 and reply.completion_tokens > 0
