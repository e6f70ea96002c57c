"""The LLM critic on the proposers' own backends: the openai client against a real local HTTP
server, a tiny local transformers model through the hf backend, the proposer-side cache,
and the fallback to the rules."""

from __future__ import annotations

import shutil
import socket

import pytest
from chat_server import FAIL_ALL, FIXTURE_NOTE, ChatServer
from maxcode.critique.llm import LLMCritique, parse_reply
from maxcode.critique.rules import RuleCritique

from maxcode.proposers.hf import HFProposer
from maxcode.proposers.openai_compat import OpenAIProposer

FIXTURE_REPLY = f"""DIAGNOSIS: {FIXTURE_NOTE} The build stops at the undeclared name `b` in the summation loop; nothing else was checked.
SUGGESTIONS:
1. Use the array `a` that was read, not `b`.
2. After it compiles, replace the per-query loop by prefix sums.
```cpp
int never_shown = 0;
```
"""


def fixture_reply(body, served):
    return FIXTURE_REPLY


def _critic(base_url: str, tmp_path, **model_options) -> LLMCritique:
    """An LLM critic on the openai backend, configured as a critic would be (greedy, short)."""
    options = {"temperature": 0.0, "max_tokens": 400, "max_retries": 0, **model_options}
    model = OpenAIProposer(model="critic-fixture", base_url=base_url,
                           cache_path=str(tmp_path / "llm_cache.sqlite"), **options)
    return LLMCritique(model.text_generator(), model_id=model.model)


def test_llm_diagnosis_through_local_http_server(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with ChatServer(fixture_reply) as server:
        critic = _critic(server.base_url, tmp_path, max_tokens=123)
        diagnosis = critic.diagnose(task, source, evaluation)
    assert diagnosis.source == "llm" and diagnosis.tags["critic_model"] == "critic-fixture"
    assert diagnosis.text.startswith(FIXTURE_NOTE)
    assert diagnosis.suggestions == [
        "Use the array `a` that was read, not `b`.",
        "After it compiles, replace the per-query loop by prefix sums.",
    ]
    assert "never_shown" not in diagnosis.text  # code blocks are dropped: the critic writes no code
    assert diagnosis.tags["failure_class"] == "compile_error" and diagnosis.findings
    [request] = server.requests
    prompt = request["messages"][0]["content"]
    rules = RuleCritique().diagnose(task, source, evaluation)
    assert (
        rules.text in prompt
        and "s += b[i];" in prompt
        and evaluation.compile_log.splitlines()[0] in prompt
    )
    assert request["model"] == "critic-fixture" and request["n"] == 1
    assert request["max_tokens"] == 123 and request["temperature"] == 0.0


def test_replies_are_cached_like_proposals(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with ChatServer(fixture_reply) as server:
        first = _critic(server.base_url, tmp_path).diagnose(task, source, evaluation)
        # A new critic on the same cache file (a re-run): served from the cache.
        again = _critic(server.base_url, tmp_path).diagnose(task, source, evaluation)
        assert len(server.requests) == 1 and again == first
        _critic(server.base_url, tmp_path, max_tokens=50).diagnose(task, source, evaluation)
        assert len(server.requests) == 2  # other sampling parameters, other key


@pytest.mark.parametrize("status", [500, 404])
def test_fallback_to_rules_on_http_error(compile_case, tmp_path, status):
    task, source, evaluation = compile_case
    with ChatServer(fixture_reply, fail_first=FAIL_ALL, fail_status=status) as server:
        diagnosis = _critic(server.base_url, tmp_path).diagnose(task, source, evaluation)
    assert diagnosis.source.startswith("rules (llm failed: ProposerUnavailable:")
    assert f"HTTP {status}" in diagnosis.source
    assert diagnosis.text == RuleCritique().diagnose(task, source, evaluation).text


def test_fallback_when_endpoint_unreachable(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    diagnosis = _critic(f"http://127.0.0.1:{port}/v1", tmp_path).diagnose(task, source, evaluation)
    assert diagnosis.source.startswith("rules (llm failed:") and "unreachable" in diagnosis.source
    assert diagnosis.findings and diagnosis.tags["failure_class"] == "compile_error"


def test_fallback_on_empty_reply(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with ChatServer(lambda body, served: "") as server:
        diagnosis = _critic(server.base_url, tmp_path).diagnose(task, source, evaluation)
    assert diagnosis.source == "rules (llm failed: ValueError: the reply held neither a diagnosis nor suggestions)"


def test_any_plain_callable_is_a_text_generator(compile_case):
    """The critique package needs no maxcode object: a function from prompt to text will do."""
    task, source, evaluation = compile_case
    prompts: list[str] = []

    def generate(prompt: str) -> str:
        prompts.append(prompt)
        return FIXTURE_REPLY

    diagnosis = LLMCritique(generate, model_id="any-callable").diagnose(task, source, evaluation)
    assert diagnosis.source == "llm" and diagnosis.tags["critic_model"] == "any-callable"
    assert len(prompts) == 1


def test_unusable_reply_falls_back():
    with pytest.raises(ValueError):
        parse_reply("```\nonly code\n```")


def test_tiny_local_transformers_model(compile_case, tmp_path, monkeypatch):
    """A randomly initialized model built here (no download), through the hf backend: chat
    template, greedy decoding, the proposer-side cache."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    from tiny_lm import build_tiny_lm

    task, source, evaluation = compile_case
    model_dir = build_tiny_lm(tmp_path / "tiny")
    options = {"temperature": 0.0, "max_new_tokens": 24, "device": "cpu",
               "cache_path": str(tmp_path / "llm_cache.sqlite")}
    model = HFProposer(model=str(model_dir), **options)
    critic = LLMCritique(model.text_generator(), model_id=model.model)
    diagnosis = critic.diagnose(task, source, evaluation)
    prompt = critic.build_prompt(
        task, source, evaluation, RuleCritique().diagnose(task, source, evaluation), None
    )
    [direct] = model.generate([{"role": "user", "content": prompt}], 1, seed=0)
    assert direct.prompt_tokens > 0 and direct.text.strip()  # greedy noise, not nothing
    assert diagnosis.source == "llm" and diagnosis.tags["critic_model"] == str(model_dir)
    # A random model's text is unstructured: all of it (code fences dropped) is the diagnosis.
    assert diagnosis.text == parse_reply(direct.text).diagnosis and diagnosis.suggestions == []
    shutil.rmtree(model_dir)  # now only the cache can answer
    fresh = HFProposer(model=str(model_dir), **options)
    again = LLMCritique(fresh.text_generator(), model_id=fresh.model)
    assert again.diagnose(task, source, evaluation) == diagnosis
