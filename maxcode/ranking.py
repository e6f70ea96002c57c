"""Reward-to-go reranking in the loop: `ranker=rtg ranker.path=DIR` or `ranker=features
ranker.path=DIR`, with `loop.rank_keep=m` judging only the best m of a step's candidates.

The adapter turns the loop's context of each candidate (its task, the path root..parent
as nodes, its source) into the example layout the scorer was trained on
(`reward.scoring.example_for`, the same code the dataset uses on recorded runs), so a model
sees in a search exactly what it saw in training. The loop records every score on its node
(`rank_score`) and the skipped ones as `skipped` (see `ScoringRanker` in maxcode/loop.py).
"""

from __future__ import annotations

import logging

from benchmarks.task import Task
from maxcode.errors import ConfigError
from maxcode.node import Node
from reward.scoring import Scorer, example_for, load_scorer, read_config

log = logging.getLogger(__name__)


class RewardToGoRanker:
    """Scores candidates with a model directory from `maxcode rtg train` (any kind)."""

    def __init__(self, path: str | None = None, kind: str | None = None, device: str | None = None) -> None:
        if not path:
            raise ConfigError(f"ranker={kind or 'rtg'} needs a trained model",
                              "add ranker.path=DIR (a directory written by `maxcode rtg train`)")
        saved = read_config(path)
        if kind is not None and saved["kind"] != kind:
            raise ConfigError(f"ranker={kind} was given a {saved['kind']} model ({path})",
                              f"use ranker={'rtg' if saved['kind'] == 'lm' else 'features'} for it")
        self.path = path
        self.scorer: Scorer = load_scorer(path, device=device)

    def score(self, task: Task, contexts: list[tuple[list[Node], str]]) -> list[float]:
        examples = [example_for(task.id, task.baseline_source, [n.to_dict() for n in path], source,
                                self.scorer.history) for path, source in contexts]
        scores = self.scorer.score(examples)
        log.info("rtg scores: %s", [round(s, 3) for s in scores])
        return scores
