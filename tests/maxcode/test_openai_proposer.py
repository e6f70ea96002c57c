"""proposer=openai against a real local HTTP server (fixture replies, not a model's)."""

from __future__ import annotations

import socket

import pytest
from chat_server import FAIL_ALL, FIXTURE_NOTE, ChatServer
from loop_fakes import TASK, program
from maxcode.records.node import Node, NodeStatus

from maxcode.errors import ProposerUnavailable
from maxcode.observation import ObservationBuilder
from maxcode.proposers.openai_compat import OpenAIProposer
from maxcode.search_tree import SearchTree


def observation(draw=0):
    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=TASK.baseline_source)
    obs = ObservationBuilder().build(TASK, SearchTree([root]), root, draw_counts={}, serial=0, seed=0)
    return ObservationBuilder().build(TASK, SearchTree([root]), root,
                                      draw_counts={obs.prompt_hash: draw}, serial=0, seed=0)


def fixture_reply(body, served):
    return f"{FIXTURE_NOTE}\n```cpp\n{program(f'SPEED=2.0 sample {served}')}```"


def proposer(server, tmp_path, **kw):
    return OpenAIProposer(model="fixture-model", base_url=server.base_url, backoff_s=0.01,
                          cache_path=str(tmp_path / "cache.sqlite"), **kw)


def test_n_samples_per_request_and_usage(tmp_path):
    with ChatServer(fixture_reply) as server:
        replies = proposer(server, tmp_path).propose(observation(), 3)
    assert len(server.requests) == 1 and server.requests[0]["n"] == 3
    assert server.requests[0]["messages"][1]["content"].startswith("Optimize this program")
    assert [r.calls for r in replies] == [1, 0, 0]
    assert sum(r.completion_tokens for r in replies) == 60 and replies[0].prompt_tokens == 50
    assert len({r.text for r in replies}) == 3


def test_endpoint_capping_n_is_asked_again(tmp_path):
    with ChatServer(fixture_reply) as server:
        replies = proposer(server, tmp_path, n_per_request=2).propose(observation(), 5)
    assert [b["n"] for b in server.requests] == [2, 2, 1] and len(replies) == 5


def test_rerun_is_served_from_the_cache_at_no_cost(tmp_path):
    with ChatServer(fixture_reply) as server:
        first = proposer(server, tmp_path).propose(observation(), 2)
        again = proposer(server, tmp_path).propose(observation(), 2)
        later = proposer(server, tmp_path).propose(observation(draw=2), 1)  # a new draw is new
    assert [r.text for r in again] == [r.text for r in first]
    assert all(r.cached and r.calls == 0 and r.prompt_tokens == 0 for r in again)
    assert len(server.requests) == 2 and not later[0].cached


@pytest.mark.parametrize("status", [429, 500, 503])
def test_retries_on_429_and_5xx(tmp_path, status):
    with ChatServer(fixture_reply, fail_first=2, fail_status=status) as server:
        replies = proposer(server, tmp_path, max_retries=3).propose(observation(), 1)
    assert len(server.requests) == 3 and len(replies) == 1


def test_persistent_errors_end_in_a_clear_stop(tmp_path):
    with ChatServer(fixture_reply, fail_first=FAIL_ALL, fail_status=502) as server:
        with pytest.raises(ProposerUnavailable, match="HTTP 502.*after 2 retries"):
            proposer(server, tmp_path, max_retries=2).propose(observation(), 1)
    assert len(server.requests) == 3


def test_unreachable_endpoint(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = OpenAIProposer(model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1, backoff_s=0.01)
    with pytest.raises(ProposerUnavailable, match="unreachable") as info:
        p.propose(observation(), 1)
    assert "resume" in info.value.fix


def test_client_error_is_not_retried(tmp_path):
    with ChatServer(fixture_reply) as server:
        p = OpenAIProposer(model="m", base_url=server.base_url.replace("/v1", "/nope"), max_retries=3)
        with pytest.raises(ProposerUnavailable, match="HTTP 404"):
            p.propose(observation(), 1)
    assert len(server.requests) == 1


def test_no_llm_configured_says_how():
    with pytest.raises(ProposerUnavailable, match="no LLM configured") as info:
        OpenAIProposer()
    assert "proposer=library" in info.value.fix
    with pytest.raises(ProposerUnavailable, match="OPENAI_API_KEY"):
        OpenAIProposer(model="gpt-4o")
