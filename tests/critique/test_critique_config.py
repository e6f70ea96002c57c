"""conf/critique/{rules,llm}.yaml built by the one wiring function (`build_critique`): the
backend handed in, the LLM critic's model from `critique.model` or else the proposer, and a
clear error when there is neither."""

from __future__ import annotations

import pytest
from chat_server import FIXTURE_NOTE, ChatServer
from maxcode.critique.llm import LLMCritique
from maxcode.critique.rules import RuleCritique

from maxcode import wiring
from maxcode.config import load_config, make
from maxcode.errors import ProposerUnavailable, UserError
from maxcode.loop import CriticLedger

REPLY = f"DIAGNOSIS: {FIXTURE_NOTE} undeclared `b`.\nSUGGESTIONS:\n1. Use `a`."


def reply(body, served):
    return REPLY


@pytest.fixture
def no_openai_env(monkeypatch):
    for var in ("OPENAI_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)


def test_rules_config(backend):
    critique = wiring.build_critique(load_config(["critique=rules"]), backend)
    assert isinstance(critique, RuleCritique) and critique.backend is backend
    assert critique.peaks_cache_path.endswith("peaks.json")


def test_separate_critic_model_reaches_its_endpoint(backend, compile_case, tmp_path):
    """critique.model set: the critic has its own endpoint, even beside a non-LLM proposer."""
    task, source, evaluation = compile_case
    with ChatServer(reply) as server:
        cfg = load_config([
            "critique=llm", "proposer=library", f"paths.cache_dir={tmp_path}",
            "critique.model={_target_: maxcode.proposers.openai_compat.OpenAIProposer, "
            f"model: configured-critic, base_url: '{server.base_url}', temperature: 0.0, "
            "max_tokens: 400, cache_path: '${paths.cache_dir}/llm_cache.sqlite'}",
        ])
        ledger = CriticLedger()
        critique = wiring.build_critique(cfg, backend, ledger, proposer=make(cfg.proposer, "proposer", convert="all"))
        assert isinstance(critique, LLMCritique) and critique.rules.backend is backend
        diagnosis = critique.diagnose(task, source, evaluation)
    assert diagnosis.source == "llm" and diagnosis.suggestions == ["Use `a`."]
    assert diagnosis.tags["critic_model"] == "configured-critic"
    assert server.requests[0]["model"] == "configured-critic" and server.requests[0]["max_tokens"] == 400
    [billed] = ledger.drain()
    assert billed.calls == 1 and billed.prompt_tokens == 50
    assert (tmp_path / "llm_cache.sqlite").is_file()


def test_without_critic_model_the_search_proposer_answers(backend, compile_case, tmp_path):
    """critique.model null: `wiring.build_parts` (maxcode optimize) hands the proposer's model over."""
    task, source, evaluation = compile_case
    with ChatServer(reply) as server:
        cfg = load_config(["critique=llm", "proposer=openai", "proposer.model=fixture-model",
                           f"proposer.base_url={server.base_url}", f"paths.cache_dir={tmp_path}"])
        parts = wiring.build_parts(cfg, backend)
        diagnosis = parts.critique.diagnose(task, source, evaluation)
    assert diagnosis.source == "llm" and diagnosis.tags["critic_model"] == "fixture-model"
    assert server.requests[0]["model"] == "fixture-model"
    [billed] = parts.critic_ledger.drain()
    assert billed.calls == 1


def test_llm_critic_without_any_model_is_a_user_error(backend, no_openai_env):
    """Neither critique.model nor an LLM proposer: a UserError naming both fixes, not a
    rule-only critic that would pretend to be `critique=llm`."""
    cfg = load_config(["critique=llm", "proposer=library"])
    with pytest.raises(ProposerUnavailable, match=r"critique=llm has no model.*LibraryProposer") as info:
        wiring.build_parts(cfg, backend)
    assert "critique.model" in info.value.fix and "critique=rules" in info.value.fix
    # `maxcode eval` (no search): the configured proposer would serve, but it has no model.
    with pytest.raises(ProposerUnavailable, match="proposer.model is not set") as info:
        wiring.build_critique(load_config(["critique=llm"]), backend)
    assert info.value.cause.startswith("critique=llm has no model") and "critique.model" in info.value.fix


def test_critic_model_that_cannot_start_names_critique_model(backend, no_openai_env):
    cfg = load_config(["critique=llm", "proposer=library",
                       "critique.model={_target_: maxcode.proposers.hf.HFProposer, model: null}"])
    with pytest.raises(ProposerUnavailable, match="critique.model cannot start: proposer=hf needs a model"):
        wiring.build_critique(cfg, backend)
    cfg = load_config(["critique=llm", "proposer=library",
                       "critique.model={_target_: maxcode.proposers.library.LibraryProposer}"])
    with pytest.raises(UserError, match="not an LLM backend"):
        wiring.build_critique(cfg, backend)
