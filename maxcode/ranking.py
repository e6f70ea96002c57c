"""Reward-to-go reranking in the loop: `ranker=rtg ranker.path=DIR` or `ranker=features
ranker.path=DIR`, with `loop.rank_keep=m` judging only the best m of a step's candidates;
`ranker=random`, the floor a learned ranker must clear in the ranker ablation; `ranker=online`,
a model fitted during the run on the run's own measurements.

The adapter turns the loop's context of each candidate (its task, the path root..parent
as nodes, its source) into the example layout the scorer was trained on
(`maxcode.reward.scorer.example_for`, the same code the dataset uses on recorded runs), so a model
sees in a search exactly what it saw in training. The loop records every score on its node
(`rank_score`) and the skipped ones as `skipped` (see `ScoringRanker` in maxcode/loop.py).
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

import numpy as np

from maxcode.benchmarks.task import Task
from maxcode.errors import ConfigError
from maxcode.records.node import Node, Prediction
from maxcode.reward.dataset import load as load_dataset
from maxcode.reward.errors import DatasetError
from maxcode.reward.load_scorer import load_scorer
from maxcode.reward.online import BayesianLinearModel, OnlineConfig
from maxcode.reward.scorer import Scorer, example_for, read_config

log = logging.getLogger(__name__)

OPTION = {"lm": "rtg", "features": "features", "rewrite_mean": "rewrite_mean", "lambdarank": "lambdarank"}
"""Model kind -> the `ranker=` option that loads it."""


class RewardToGoRanker:
    """Scores candidates with a model directory from `maxcode rtg train` (any kind)."""

    def __init__(self, path: str | None = None, kind: str | None = None, device: str | None = None,
                 allow_train_tasks: bool = False) -> None:
        option = OPTION.get(kind or "lm", "rtg")
        if not path:
            raise ConfigError(f"ranker={option} needs a trained model",
                              "add ranker.path=DIR (a directory written by `maxcode rtg train`)")
        saved = read_config(path)
        if kind is not None and saved["kind"] != kind:
            raise ConfigError(f"ranker={option} was given a {saved['kind']} model ({path})",
                              f"use ranker={OPTION[saved['kind']]} for it")
        self.path = path
        self.scorer: Scorer = load_scorer(path, device=device)
        self.train_tasks = set(saved.get("train_tasks") or [])
        self.allow_train_tasks = allow_train_tasks

    def score(self, task: Task, contexts: list[tuple[list[Node], str, dict]]) -> list[float]:
        """`contexts`: (path root..parent, candidate source, the reply's proposer meta)."""
        if task.id in self.train_tasks and not self.allow_train_tasks:
            # A ranker scoring programs it was trained on measures its memory, not its
            # judgement: a search (or an ablation) on such a task says nothing about it.
            raise ConfigError(
                f"the ranker at {self.path} was trained on task {task.id}",
                "rank tasks it was not trained on (train with those tasks held out), "
                "or set ranker.allow_train_tasks=true to run it anyway",
            )
        examples = [example_for(task.id, task.baseline_source, path, source,
                                self.scorer.history, meta) for path, source, meta in contexts]
        scores = self.scorer.score(examples)
        log.info("rtg scores: %s", [round(s, 3) for s in scores])
        return scores


class RandomRanker:
    """A random order of each step's candidates: the ranker ablation's floor. The order is a
    hash of the seed, the observation and each candidate's source, so a resumed step ranks
    its candidates as it did before the crash (an RNG's state would not survive it)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def rank(self, observation: str, candidates: list[str]) -> list[int]:
        context = hashlib.sha256(f"{self.seed}\0{observation}".encode()).hexdigest()
        keys = [hashlib.sha256(f"{context}\0{source}".encode()).hexdigest() for source in candidates]
        return sorted(range(len(candidates)), key=keys.__getitem__)


def tokens_of(meta: dict[str, Any] | None) -> list[str]:
    """What a program is described by, from its proposer's fields: the space proposer's
    configuration and base, else the rewrites on its path; nothing for a free-form program
    (an LLM's), which the online model then scores by its bias alone (proposal order)."""
    meta = meta or {}
    space = meta.get("space")
    if isinstance(space, dict):
        config = space.get("config") or {}
        return [f"base={space.get('base')}", *(f"{k}={v}" for k, v in sorted(config.items()))]
    path = meta.get("rewrites_path") or meta.get("rewrites") or []
    return [str(name) for name in path] if isinstance(path, list) else []


class OnlineRanker:
    """`ranker=online`: scores a step's candidates with a Bayesian linear model of log speedup
    (maxcode/reward/online.py) refitted, before every ranking, on every program this run has
    judged. `explore`: `thompson` ranks by one posterior draw (seeded by the run seed and the
    tree, so a resumed step ranks as it did), `mean` by the posterior mean, `ucb` by mean + sd.
    Scores are speedups (the exponent of the log-speedup score).

    `prior_data`: a reward-to-go dataset (`maxcode rtg dataset`) of other tasks' judged
    programs. Each setting's effect fitted on it, leaving out the run's own task, is the
    prior mean of that setting's weight here (TenSet's idea: a prior from many tasks,
    updated by this one's measurements); the baseline's speed is not carried over."""

    EXPLORE = ("thompson", "mean", "ucb")

    def __init__(self, seed: int = 0, explore: str = "thompson", prior_sd: float = 0.5,
                 noise_sd: float = 0.3, pairs: bool = False, failed_speedup: float = 0.5,
                 prior_data: str | None = None) -> None:
        if explore not in self.EXPLORE:
            raise ConfigError(f"ranker.explore={explore!r} is not one of {', '.join(self.EXPLORE)}",
                              "use thompson (explores by the model's uncertainty), mean or ucb")
        if not 0 < failed_speedup <= 1:
            raise ConfigError(f"ranker.failed_speedup={failed_speedup} must be in (0, 1]",
                              "a failed program counts as this slow (default 0.5)")
        self.seed, self.explore, self.failed_speedup = seed, explore, failed_speedup
        self.config = OnlineConfig(prior_sd=prior_sd, noise_sd=noise_sd, pairs=pairs)
        self.rows: list[list[str]] = []
        self.targets: list[float] = []
        self.offline: list[tuple[str, list[str], float]] = []
        """(task id, tokens, log speedup) of `prior_data`'s programs."""
        if prior_data is not None:
            try:
                _, examples = load_dataset(prior_data)
            except DatasetError as exc:
                raise ConfigError(f"ranker.prior_data: {exc.cause}", exc.fix) from None
            self.offline = [(str(e.get("task_id", "")), [str(t) for t in e.get("rewrites") or []],
                             self._target(float(e.get("reward") or 0.0))) for e in examples]
        self.prior_mean: dict[str, float] = {}
        self._prior_task: str | None = None

    def _target(self, speedup: float | None) -> float:
        return math.log(speedup) if speedup and speedup > 0 else math.log(self.failed_speedup)

    def learn(self, task: Task, judged: list[Node]) -> None:
        """This run's measurements so far: every judged original program (duplicates add no
        measurement). A wrong, failing or timed-out program counts as `failed_speedup`."""
        if self.offline and self._prior_task != task.id:
            others = [(tokens, y) for task_id, tokens, y in self.offline if task_id != task.id]
            model = BayesianLinearModel(self.config).fit([t for t, _ in others], [y for _, y in others])
            self.prior_mean = {name: float(model.mean[j]) for name, j in model.vocabulary.items() if name != "(bias)"}
            self._prior_task = task.id
        originals = [n for n in judged if n.evaluated and n.evaluation is not None and n.duplicate_of is None]
        self.rows = [tokens_of(n.proposer.meta) for n in originals]
        self.targets = [self._target(n.speedup if n.correct else None) for n in originals]

    def _model(self, rows: list[list[str]]) -> BayesianLinearModel:
        return BayesianLinearModel(self.config).fit(self.rows, self.targets, also=rows, prior_mean=self.prior_mean)

    def predict(self, task: Task, contexts: list[tuple[list[Node], str, dict]]) -> list[Prediction]:
        """Each candidate's posterior-mean speedup and 90% predictive interval (the weights'
        uncertainty and the assumed measurement noise), from this run's measurements so far."""
        rows = [tokens_of(meta) for _, _, meta in contexts]
        mean, sd = self._model(rows).predict(rows)
        spread = 1.645 * np.sqrt(sd ** 2 + self.config.noise_sd ** 2)
        return [Prediction(math.exp(m), math.exp(m - w), math.exp(m + w))
                for m, w in zip(mean.tolist(), spread.tolist(), strict=True)]

    def score(self, task: Task, contexts: list[tuple[list[Node], str, dict]]) -> list[float]:
        rows = [tokens_of(meta) for _, _, meta in contexts]
        model = self._model(rows)
        if self.explore == "thompson":
            key = hashlib.sha256("\0".join([str(self.seed), str(len(self.rows)),
                                             *(source for _, source, _ in contexts)]).encode()).digest()
            values = model.sample(rows, np.random.default_rng(int.from_bytes(key[:8], "little")))
        else:
            mean, sd = model.predict(rows)
            values = mean + sd if self.explore == "ucb" else mean
        scores = [math.exp(float(v)) for v in values]
        log.info("online scores after %d measurements: %s", len(self.rows), [round(v, 3) for v in scores])
        return scores
