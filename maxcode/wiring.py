"""The one place a run is built from its configuration, part by part, into typed fields.

    task     <- the file a user names                     benchmarks/loaders/single_file.py
    judging  <- sandbox, timing, judge                    maxcode/judging.py (built on first use)
    parts    <- strategy, proposer, budget, observation,  conf/<group>/*.yaml
                reward, critique, ranker, loop
    result   <- optimize(task, judging, parts)            maxcode/optimize.py

`maxcode optimize`, a sweep's workers and the self-benchmarks all run a search this way:

    with Wiring(cfg) as wired:
        result = wired.optimize(task, run_dir)

and the sandbox is released whatever happens. Each `_target_` is logged as it is built.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from maxcode import optimize
from maxcode.benchmarks.loaders import single_file
from maxcode.benchmarks.task import Task
from maxcode.config import make, resolved_yaml
from maxcode.critique.base import Critique
from maxcode.errors import ConfigError, ProposerUnavailable, TaskError, UserError
from maxcode.judging import Judging
from maxcode.loop import CriticLedger, Snapshot
from maxcode.observation import ObservationBuilder
from maxcode.parts import SearchParts
from maxcode.proposers.llm import LLMProposer
from maxcode.records.run import RunWriter
from maxcode.sandbox.backends.base import Backend


def load_task(path: Path, tests: str | None) -> Task:
    """A task from the file a user names (`.cpp` with its tests, or a KernelBench `.py`)."""
    if not path.is_file():
        raise TaskError(f"task file {path} does not exist", "pass the path of a .cpp or .py task file")
    if path.suffix not in (".cpp", ".py"):
        raise TaskError(f"{path}: a task is a .cpp (PIE-style) or .py (KernelBench-style) file",
                        "pass a .cpp file with tests=DIR, or a KernelBench problem .py")
    return single_file.load_task(path, tests=Path(tests) if tests else None)


def build_parts(cfg: DictConfig, backend: Backend | None = None) -> SearchParts:
    """Every part of a search from `cfg` (a composed root config); `backend` is the sandbox
    an analysing critic runs programs in."""
    strategy = make(cfg.strategy, "strategy", convert="all")
    proposer = make(cfg.proposer, "proposer", convert="all")
    budget = make(cfg.budget, "budget", convert="all")
    budget.check_model(getattr(proposer, "model", ""))
    observation = ObservationBuilder(make(cfg.observation, "observation", convert="all"), device=_device(cfg))
    ledger = CriticLedger()
    critique = build_critique(cfg, backend, ledger, proposer=proposer)
    budget.check_model(getattr(critique, "model_id", ""))
    ranker = make(cfg.ranker, "ranker", convert="all") if cfg.get("ranker") else None
    name = cfg.get("name") or re.sub(r"(?<!^)(?=[A-Z])", "_", type(strategy).__name__).lower()
    return SearchParts(strategy=strategy, proposer=proposer, budget=budget, observation=observation,
                       reward=make(cfg.reward, "reward", convert="all"), critique=critique, ranker=ranker,
                       loop=make(cfg.loop, "loop", convert="all"), critic_ledger=ledger, name=name)


def _device(cfg: DictConfig) -> str:
    device = str(cfg.get("device", "auto"))
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    return device


NO_CRITIC_MODEL_FIX = (
    "set critique.model to an LLM proposer config (examples in conf/critique/llm.yaml), or give "
    "the run an LLM proposer (e.g. proposer.model=NAME proposer.base_url=URL), or use critique=rules")


def build_critique(cfg: DictConfig, backend: Backend | None = None, ledger: CriticLedger | None = None,
                   proposer: Any = None) -> Critique:
    """The configured critique, completed with the sandbox `backend` and, for an LLM critic,
    the text generator of `critique.model` or else of `proposer` (requests passed to `ledger`).

    Critique configs may be factories (`_partial_: true`). `proposer=None` (`maxcode eval`,
    which has no search) builds `cfg.proposer` only if the critic needs it. An LLM critic
    without any model is a UserError, not a rule-only critic; its requests are billed to the
    budget like proposals.
    """
    node = OmegaConf.to_container(cfg.critique, resolve=True)
    assert isinstance(node, dict)
    model_node = node.pop("model", None)
    made = make(OmegaConf.create(node), "critique", convert="all")
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
            model = make(OmegaConf.create(model_node), "critic model", convert="all")
        except UserError as exc:
            raise ProposerUnavailable(f"critique.model cannot start: {exc.cause}",
                                      f"{exc.fix} (for the critic, under critique.model)") from None
        if not isinstance(model, LLMProposer):
            raise ConfigError(f"critique.model builds a {type(model).__name__}, not an LLM backend",
                              NO_CRITIC_MODEL_FIX)
        return model
    if proposer is None:
        try:
            proposer = make(cfg.proposer, "proposer (the critic's model)", convert="all")
        except UserError as exc:
            raise ProposerUnavailable(
                f"critique=llm has no model: critique.model is null and the proposer cannot "
                f"serve as the critic ({exc.cause})", NO_CRITIC_MODEL_FIX) from None
    if not isinstance(proposer, LLMProposer):
        raise ProposerUnavailable(
            f"critique=llm has no model: critique.model is null and the proposer "
            f"({type(proposer).__name__}) is not an LLM", NO_CRITIC_MODEL_FIX)
    return proposer


class Wiring:
    """The judges and the search parts of one configuration, ready to run searches."""

    def __init__(self, cfg: DictConfig) -> None:
        self.cfg = cfg
        self.judging = Judging(cfg)
        try:
            self.parts = build_parts(cfg, self.judging.backend)
        except BaseException:
            self.judging.close()
            raise

    def run_dir(self, task: Task) -> Path:
        """`run_dir` of the config, else a new one under `paths.runs_dir`."""
        if self.cfg.get("run_dir"):
            return Path(self.cfg.run_dir)
        return optimize.default_run_dir(self.cfg.paths.runs_dir, task, self.parts.name, int(self.cfg.seed))

    def optimize(self, task: Task, run_dir: Path, on_progress: Callable[[Snapshot], None] | None = None,
                 store: RunWriter | None = None, fresh_parts: bool = False) -> optimize.RunResult:
        """One search on `task`. `fresh_parts`: new search parts for this run (a benchmark that
        must not carry a proposer's cache from one run to the next)."""
        parts = build_parts(self.cfg, self.judging.backend) if fresh_parts else self.parts
        return optimize.optimize(task, self.judging, parts, run_dir, resolved_yaml(self.cfg),
                                 seed=int(self.cfg.seed), on_progress=on_progress, store=store)

    def close(self) -> None:
        self.judging.close()

    def __enter__(self) -> Wiring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
