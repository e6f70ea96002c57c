"""The judges of one configuration, behind one call: a task's family picks its judge.

    backend = instantiate(cfg.sandbox)                      conf/sandbox/*.yaml
    timing  = instantiate(cfg.cpp_timing)                     conf/cpp_timing/*.yaml
    cpp     = instantiate(cfg.judge.cpp)(backend=, timing=) conf/judge/default.yaml
    kernel  = instantiate(cfg.judge.kernel)(backend=)       conf/judge/default.yaml

A part of the run maxcode/wiring.py builds (and what `maxcode eval` builds alone). Judges
are built on first use, so judging a C++ task never imports torch. `judge_task`
is safe to call from several threads at once (the search judges candidates in parallel).
With `judge.memo` set (a file), verdicts are shared through it: see maxcode/verdict_memo.py.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from omegaconf import DictConfig, OmegaConf

from maxcode.benchmarks.task import Task
from maxcode.config import make
from maxcode.errors import ConfigError
from maxcode.records.evaluation import Evaluation
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.judges.base import Judge
from maxcode.verdict_memo import VerdictMemo

log = logging.getLogger(__name__)


def _instantiate(node: Any, what: str, **completion: Any) -> Any:
    """`make`, then a factory config (`_partial_: true`) completed with `completion`."""
    built = make(node, what)
    if isinstance(built, functools.partial):
        built = built(**completion)
    return built


def make_backend(cfg: DictConfig) -> Backend:
    """The sandbox backend of `cfg.sandbox` (a factory config is called)."""
    backend = _instantiate(cfg.sandbox, "sandbox")
    if callable(backend) and not hasattr(backend, "run"):
        backend = backend()
    return backend


class Judging:
    """The backend, the timer and the two judges of one configuration."""

    def __init__(self, cfg: DictConfig, backend: Backend | None = None) -> None:
        self.cfg = cfg
        self.backend: Backend = backend if backend is not None else make_backend(cfg)
        self.timing = _instantiate(cfg.cpp_timing, "cpp_timing")
        self._judges: dict[str, Judge] = {}
        self._lock = threading.Lock()
        self.memo = self._memo(cfg)

    @staticmethod
    def _memo(cfg: DictConfig) -> VerdictMemo | None:
        path = cfg.judge.get("memo")
        if not path:
            return None

        def plain(node: Any) -> Any:
            return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node

        shared = {"sandbox": plain(cfg.get("sandbox")), "device": cfg.get("device")}
        return VerdictMemo(path, {
            "cpp": {**shared, "judge": plain(cfg.judge.get("cpp")), "timing": plain(cfg.get("cpp_timing"))},
            "kernel": {**shared, "judge": plain(cfg.judge.get("kernel"))}})

    def judge_for(self, family: str) -> Judge:
        """The judge of a task family, built on first use."""
        with self._lock:
            if family not in self._judges:
                node = self.cfg.judge.get(family)
                if family == "cpp":
                    judge = _instantiate(node, "judge.cpp", backend=self.backend, timing=self.timing)
                elif family == "kernel":
                    judge = _instantiate(node, "judge.kernel", backend=self.backend)
                else:
                    raise ConfigError(f"no judge for task family {family!r}", "use a cpp or kernel task")
                self._judges[family] = judge
            return self._judges[family]

    def judge_task(self, task: Task, candidate_source: str, incumbent: float | None = None,
                   full_budget: bool = False, versus_compile: bool = False) -> Evaluation:
        """Judge one candidate of `task` with its family's judge. `incumbent` (a search's best
        so far, its interval's lower bound) lets timing stop once the candidate falls below
        it; `full_budget` times without early decisions (the final best of a search);
        `versus_compile` also times a kernel task's reference through torch.compile."""
        # A full-budget judgement is an answer's re-timing (Search.retime_best): the run's own
        # check, by running it again, of the program it chose over noisy estimates. A stored
        # verdict (another run's re-timing of the program) would give every run that reaches
        # the program one shared draw, and let a flaky answer that passed once pass in all of
        # them. No search judges with the full budget, so such a verdict is not stored either.
        if self.memo is None or full_budget:
            return self._judge(task, candidate_source, incumbent, full_budget, versus_compile)
        key = self.memo.key(task, candidate_source, full_budget=full_budget, versus_compile=versus_compile)
        with self.memo.claim(key):
            evaluation = self.memo.get(key, incumbent)
            if evaluation is None:
                evaluation = self._judge(task, candidate_source, incumbent, full_budget, versus_compile)
                self.memo.put(key, task, evaluation)
        return evaluation

    def _judge(self, task: Task, candidate_source: str, incumbent: float | None,
               full_budget: bool, versus_compile: bool) -> Evaluation:
        judge = self.judge_for(task.family)
        return judge.evaluate(task.baseline_source, candidate_source, task.tests, tolerance=task.tolerance,
                              incumbent=incumbent, full_budget=full_budget,
                              versus_compile=True if versus_compile else None)

    __call__ = judge_task

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Judging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

