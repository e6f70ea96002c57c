"""conf/critique/{rules,llm}.yaml build working critiques (Hydra `_target_`, completed with a backend)."""

from __future__ import annotations

import functools

from critic_fixture_server import FIXTURE_LABEL, CriticFixtureServer
from hydra.utils import instantiate

from critique.llm import LLMCritique
from critique.rules import RuleCritique
from maxcode.config import load_config
from sandbox.evaluation import Status


def _build(option: str, backend, overrides=()):
    cfg = load_config([f"critique={option}", *overrides])
    factory = instantiate(cfg.critique, _convert_="all")
    assert isinstance(factory, functools.partial)  # completed by the loop with the backend
    return factory(backend=backend)


def test_rules_config(backend):
    critique = _build("rules", backend)
    assert isinstance(critique, RuleCritique) and critique.backend is backend
    assert critique.peaks_cache_path.endswith("peaks.json")


def test_llm_config_reaches_the_configured_endpoint(
    backend, judge, range_sum, tmp_path, monkeypatch
):
    source = range_sum.baseline_source.replace("s += a[i];", "s += b[i];")
    evaluation = judge.evaluate(range_sum.baseline_source, source, range_sum.tests)
    assert evaluation.status is Status.COMPILE_ERROR
    reply = f"DIAGNOSIS: {FIXTURE_LABEL} undeclared `b`.\nSUGGESTIONS:\n1. Use `a`."
    with CriticFixtureServer(reply) as server:
        monkeypatch.setenv("MAXCODE_CRITIC_MODEL", "configured-critic")
        monkeypatch.setenv("MAXCODE_CRITIC_BASE_URL", server.base_url)
        critique = _build("llm", backend, [f"paths.cache_dir={tmp_path}"])
        assert isinstance(critique, LLMCritique) and critique.rules.backend is backend
        diagnosis = critique.diagnose(range_sum, source, evaluation)
    assert diagnosis.source == "llm" and diagnosis.suggestions == ["Use `a`."]
    assert server.requests[0]["model"] == "configured-critic"
    assert (tmp_path / "critic.sqlite").is_file()
