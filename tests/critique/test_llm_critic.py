"""The LLM critic through a real local HTTP server, a tiny local transformers model, and its fallback."""

from __future__ import annotations

import socket

import pytest
from critic_fixture_server import FIXTURE_LABEL, CriticFixtureServer

from critique.generation.openai_http import OpenAIChatGenerator
from critique.llm import LLMCritique, parse_reply
from critique.rules import RuleCritique
from sandbox.evaluation import Status

FIXTURE_REPLY = f"""DIAGNOSIS: {FIXTURE_LABEL} The build stops at the undeclared name `b` in the summation loop; nothing else was checked.
SUGGESTIONS:
1. Use the array `a` that was read, not `b`.
2. After it compiles, replace the per-query loop by prefix sums.
```cpp
int never_shown = 0;
```
"""


@pytest.fixture
def compile_case(judge, range_sum):
    """The suite's program with an undeclared name, and the C++ judge's verdict on it."""
    source = range_sum.baseline_source.replace("s += a[i];", "s += b[i];")
    evaluation = judge.evaluate(range_sum.baseline_source, source, range_sum.tests)
    assert evaluation.status is Status.COMPILE_ERROR
    return range_sum, source, evaluation


def _critic(base_url: str, tmp_path, **kwargs) -> LLMCritique:
    generate = OpenAIChatGenerator(
        model="critic-fixture", base_url=base_url, timeout_s=10, max_retries=0
    )
    return LLMCritique(generate, cache_path=str(tmp_path / "critic.sqlite"), **kwargs)


def test_llm_diagnosis_through_local_http_server(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with CriticFixtureServer(FIXTURE_REPLY) as server:
        critic = _critic(server.base_url, tmp_path, max_tokens=123)
        diagnosis = critic.diagnose(task, source, evaluation)
    assert diagnosis.source == "llm"
    assert diagnosis.text.startswith(FIXTURE_LABEL)
    assert diagnosis.suggestions == [
        "Use the array `a` that was read, not `b`.",
        "After it compiles, replace the per-query loop by prefix sums.",
    ]
    assert "never_shown" not in diagnosis.text  # code blocks are dropped: the critic writes no code
    assert diagnosis.tags["failure_class"] == "compile_error" and diagnosis.findings
    request = server.requests[0]
    prompt = request["messages"][0]["content"]
    rules = RuleCritique().diagnose(task, source, evaluation)
    assert (
        rules.text in prompt
        and "s += b[i];" in prompt
        and evaluation.compile_log.splitlines()[0] in prompt
    )
    assert request["max_tokens"] == 123 and request["model"] == "critic-fixture"


def test_replies_are_cached_by_model_and_prompt(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with CriticFixtureServer(FIXTURE_REPLY) as server:
        first = _critic(server.base_url, tmp_path).diagnose(task, source, evaluation)
        again = _critic(server.base_url, tmp_path).diagnose(
            task, source, evaluation
        )  # new critic, same cache file
        assert len(server.requests) == 1 and again == first
        _critic(server.base_url, tmp_path, max_tokens=50).diagnose(task, source, evaluation)
        assert len(server.requests) == 2  # other parameters, other key


@pytest.mark.parametrize("status", [500, 404])
def test_fallback_to_rules_on_http_error(compile_case, tmp_path, status):
    task, source, evaluation = compile_case
    with CriticFixtureServer(FIXTURE_REPLY, status=status) as server:
        diagnosis = _critic(server.base_url, tmp_path).diagnose(task, source, evaluation)
    assert diagnosis.source.startswith("rules (llm failed: GenerationFailed: HTTP")
    assert diagnosis.text == RuleCritique().diagnose(task, source, evaluation).text


def test_fallback_when_endpoint_unreachable(compile_case, tmp_path):
    task, source, evaluation = compile_case
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    diagnosis = _critic(f"http://127.0.0.1:{port}/v1", tmp_path).diagnose(task, source, evaluation)
    assert diagnosis.source.startswith("rules (llm failed:") and "unreachable" in diagnosis.source
    assert diagnosis.findings and diagnosis.tags["failure_class"] == "compile_error"


def test_fallback_when_no_model_configured(compile_case, monkeypatch):
    task, source, evaluation = compile_case
    for var in ("OPENAI_MODEL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    diagnosis = LLMCritique(OpenAIChatGenerator()).diagnose(task, source, evaluation)
    assert "no model or endpoint" in diagnosis.source


def test_injected_plain_callable(compile_case):
    """The loop injects the proposer's generator: a plain function with a max_tokens keyword."""
    task, source, evaluation = compile_case
    prompts: list[str] = []

    def generate(prompt: str, *, max_tokens: int = 1024) -> str:
        prompts.append(prompt)
        return FIXTURE_REPLY

    diagnosis = LLMCritique(generate, model_id="proposer-model").diagnose(task, source, evaluation)
    assert (
        diagnosis.source == "llm"
        and diagnosis.tags["critic_model"] == "proposer-model"
        and len(prompts) == 1
    )


def test_unusable_reply_falls_back():
    with pytest.raises(ValueError):
        parse_reply("```\nonly code\n```")


def test_tiny_local_transformers_model(compile_case, tmp_path, monkeypatch):
    """A randomly initialized GPT-2-shaped model and a tokenizer built here: no download."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    from critique.generation.transformers_local import TransformersGenerator
    from critique.llm import PROMPT_PATH

    task, source, evaluation = compile_case
    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    raw.train_from_iterator(
        [PROMPT_PATH.read_text(), source, evaluation.compile_log], trainer=trainer
    )
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<eos>")
    model_dir = tmp_path / "tiny-critic"
    tokenizer.save_pretrained(model_dir)
    torch.manual_seed(0)
    # A wide initialization so greedy decoding does not collapse onto one whitespace token.
    config = GPT2Config(
        vocab_size=raw.get_vocab_size(),
        n_positions=4096,
        n_embd=32,
        n_layer=1,
        n_head=2,
        initializer_range=1.0,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(model_dir)

    generator = TransformersGenerator(str(model_dir))
    critic = LLMCritique(generator, cache_path=str(tmp_path / "critic.sqlite"), max_tokens=24)
    diagnosis = critic.diagnose(task, source, evaluation)
    prompt = critic.build_prompt(
        task, source, evaluation, RuleCritique().diagnose(task, source, evaluation), None
    )
    direct = generator(prompt, max_tokens=24)
    if direct.strip():
        assert diagnosis.source == "llm" and diagnosis.tags["critic_model"] == generator.model_id
        # A random model's text is unstructured: all of it (code fences dropped) is the diagnosis.
        assert diagnosis.text == parse_reply(direct).diagnosis and diagnosis.suggestions == []
    else:  # a random model may emit only its end token: then the rules must stand in
        assert diagnosis.source.startswith("rules (llm failed:")
