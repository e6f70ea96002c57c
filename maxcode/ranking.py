"""Reward-to-go reranking in the loop: `ranker=rtg ranker.path=DIR` or `ranker=features
ranker.path=DIR`, with `loop.rank_keep=m` judging only the best m of a step's candidates;
`ranker=random`, the floor a learned ranker must clear in the ranker ablation.

The adapter turns the loop's context of each candidate (its task, the path root..parent
as nodes, its source) into the example layout the scorer was trained on
(`maxcode.reward.scorer.example_for`, the same code the dataset uses on recorded runs), so a model
sees in a search exactly what it saw in training. The loop records every score on its node
(`rank_score`) and the skipped ones as `skipped` (see `ScoringRanker` in maxcode/loop.py).
"""

from __future__ import annotations

import hashlib
import logging

from maxcode.benchmarks.task import Task
from maxcode.errors import ConfigError
from maxcode.records.node import Node
from maxcode.reward.load_scorer import load_scorer
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
