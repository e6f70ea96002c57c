"""Wiring: every component of a search instantiated from the Hydra config, in one place.

Each `_target_` is logged as it is built. Critique configs may be factories
(`_partial_: true`); `build_critique` completes them with the sandbox backend and, for an LLM
critic, with a text generator: `critique.model` when set, else the proposer's (billed to the
budget either way). `maxcode optimize` and `maxcode eval --critique` both use it.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from maxcode import config
from maxcode.budget import Budget
from maxcode.errors import ConfigError, ProposerUnavailable, UserError
from maxcode.loop import CriticLedger, LoopConfig
from maxcode.observation import ObservationBuilder
from maxcode.proposers.llm import LLMProposer

log = logging.getLogger(__name__)


@dataclass
class Components:
    """The parts a `Search` is made of."""

    strategy: Any
    proposer: Any
    budget: Budget
    builder: ObservationBuilder
    reward: Any
    critique: Any
    ranker: Any
    loop: LoopConfig
    critic_ledger: CriticLedger
    name: str
    """Run name: the experiment's `name`, else the strategy's (snake_case class name)."""


def build(cfg: DictConfig, sandbox_backend: Any = None) -> Components:
    strategy = make(cfg.strategy, "strategy")
    proposer = make(cfg.proposer, "proposer")
    budget = make(cfg.budget, "budget")
    budget.check_model(getattr(proposer, "model", ""))
    builder = ObservationBuilder(make(cfg.observation, "observation"), device=_device(cfg))
    ledger = CriticLedger()
    critique = build_critique(cfg, sandbox_backend, ledger, proposer=proposer)
    budget.check_model(getattr(critique, "model_id", ""))
    ranker = make(cfg.ranker, "ranker") if cfg.get("ranker") else None
    name = cfg.get("name") or re.sub(r"(?<!^)(?=[A-Z])", "_", type(strategy).__name__).lower()
    return Components(strategy=strategy, proposer=proposer, budget=budget, builder=builder,
                      reward=make(cfg.reward, "reward"), critique=critique, ranker=ranker,
                      loop=make(cfg.loop, "loop"), critic_ledger=ledger, name=name)


def make(node: DictConfig, what: str) -> Any:
    return config.make(node, what, convert="all")


def _device(cfg: DictConfig) -> str:
    device = str(cfg.get("device", "auto"))
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    return device


NO_CRITIC_MODEL_FIX = (
    "set critique.model to an LLM proposer config (examples in conf/critique/llm.yaml), or give "
    "the run an LLM proposer (e.g. proposer.model=NAME proposer.base_url=URL), or use critique=rules")


def build_critique(cfg: DictConfig, backend: Any = None, ledger: CriticLedger | None = None,
                   proposer: Any = None) -> Any:
    """The configured critique, completed with the sandbox `backend` and, for an LLM critic,
    the text generator of `critique.model` or else of `proposer` (requests passed to `ledger`).

    `proposer=None` (`maxcode eval`, which has no search) builds `cfg.proposer` only if the
    critic needs it. An LLM critic without any model is a UserError, not a rule-only critic.
    """
    node = OmegaConf.to_container(cfg.critique, resolve=True)
    assert isinstance(node, dict)
    model_node = node.pop("model", None)
    made = make(OmegaConf.create(node), "critique")
    if not isinstance(made, functools.partial):
        return made
    params = inspect.signature(made.func).parameters
    extra: dict[str, Any] = {}
    if "backend" in params:
        extra["backend"] = backend
    if "generate" in params:
        model = _critic_model(cfg, model_node, proposer)
        extra["generate"] = model.text_generator(on_reply=ledger)
        extra["model_id"] = model.model
    return made(**extra)


def _critic_model(cfg: DictConfig, model_node: dict | None, proposer: Any) -> LLMProposer:
    if model_node is not None:
        try:
            model = make(OmegaConf.create(model_node), "critic model")
        except UserError as exc:
            raise ProposerUnavailable(f"critique.model cannot start: {exc.cause}",
                                      f"{exc.fix} (for the critic, under critique.model)") from None
        if not isinstance(model, LLMProposer):
            raise ConfigError(f"critique.model builds a {type(model).__name__}, not an LLM backend",
                              NO_CRITIC_MODEL_FIX)
        return model
    if proposer is None:
        try:
            proposer = make(cfg.proposer, "proposer (the critic's model)")
        except UserError as exc:
            raise ProposerUnavailable(
                f"critique=llm has no model: critique.model is null and the proposer cannot "
                f"serve as the critic ({exc.cause})", NO_CRITIC_MODEL_FIX) from None
    if not isinstance(proposer, LLMProposer):
        raise ProposerUnavailable(
            f"critique=llm has no model: critique.model is null and the proposer "
            f"({type(proposer).__name__}) is not an LLM", NO_CRITIC_MODEL_FIX)
    return proposer


SECRET_KEYS = ("api_key",)


def resolved_yaml(cfg: DictConfig) -> str:
    """The fully resolved config with secrets masked: what goes into the run directory."""
    data = OmegaConf.to_container(cfg, resolve=True)

    def mask(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("***" if k in SECRET_KEYS and v else mask(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [mask(v) for v in node]
        return node

    return OmegaConf.to_yaml(OmegaConf.create(mask(data)))
