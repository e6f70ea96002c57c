"""Wiring: every component of a search instantiated from the Hydra config, in one place.

Each `_target_` is logged as it is built. Critique configs may be factories
(`_partial_: true`); they are completed here with the sandbox backend and, for an LLM critic
without its own model, with the proposer's text generator (billed to the budget).
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from dataclasses import dataclass
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from maxcode.budget import Budget
from maxcode.errors import UserError
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
    critique = _critique(cfg, proposer, sandbox_backend, ledger)
    ranker = make(cfg.ranker, "ranker") if cfg.get("ranker") else None
    name = cfg.get("name") or re.sub(r"(?<!^)(?=[A-Z])", "_", type(strategy).__name__).lower()
    return Components(strategy=strategy, proposer=proposer, budget=budget, builder=builder,
                      reward=make(cfg.reward, "reward"), critique=critique, ranker=ranker,
                      loop=make(cfg.loop, "loop"), critic_ledger=ledger, name=name)


def make(node: DictConfig, what: str) -> Any:
    log.info("%s: %s", what, node.get("_target_"))
    try:
        return instantiate(node, _convert_="all")
    except InstantiationException as exc:
        # Hydra wraps what a constructor raised; a UserError must reach the CLI as itself.
        if isinstance(exc.__cause__, UserError):
            raise exc.__cause__ from None
        raise


def _device(cfg: DictConfig) -> str:
    device = str(cfg.get("device", "auto"))
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _critique(cfg: DictConfig, proposer: Any, backend: Any, ledger: CriticLedger) -> Any:
    made = make(cfg.critique, "critique")
    if not isinstance(made, functools.partial):
        return made
    extra: dict[str, Any] = {}
    params = inspect.signature(made.func).parameters
    if "backend" in params:
        extra["backend"] = backend
    generate_cfg = cfg.critique.get("generate")
    has_own_model = generate_cfg is not None and (
        not isinstance(generate_cfg, DictConfig) or generate_cfg.get("model") is not None)
    if "generate" in params and not has_own_model and isinstance(proposer, LLMProposer):
        extra["generate"] = proposer.text_generator(on_reply=ledger)
        if "model_id" in params:
            extra["model_id"] = proposer.model
    return made(**extra)


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
