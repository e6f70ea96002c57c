"""`ranker=rewrite_mean`: the bar a learned ranker must clear.

Scores a candidate by the mean return (the speedup its bin stands for) of every training
example made by the same rewrite (the last name of its `rewrites`); a candidate no rewrite
made, or made by a rewrite never seen in training, gets the mean over all examples. No code
is read: if a model that reads the code cannot beat this table, it has learned nothing the
rewrite's name does not already say.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from maxcode.reward.dataset import Bins
from maxcode.reward.errors import ModelError
from maxcode.reward.scorer import read_config, write_config

TABLE_FILE = "rewrite_mean.json"


def _rewrite(example: dict[str, Any]) -> str | None:
    rewrites = example.get("rewrites") or []
    return rewrites[-1] if rewrites else None


class RewriteMeanScorer:
    """Mean return per rewrite, from the training examples."""

    kind = "rewrite_mean"

    def __init__(self, bins: Bins, history: int) -> None:
        self.bins, self.history = bins, history
        self.means: dict[str, float] = {}
        self.overall = 0.0

    def fit(self, examples: Sequence[dict[str, Any]]) -> RewriteMeanScorer:
        values = self.bins.levels
        by_rewrite: dict[str, list[float]] = defaultdict(list)
        for e in examples:
            name = _rewrite(e)
            if name is not None:
                by_rewrite[name].append(values[e["bin"]])
        self.means = {name: sum(v) / len(v) for name, v in sorted(by_rewrite.items())}
        self.overall = sum(values[e["bin"]] for e in examples) / max(len(examples), 1)
        return self

    def score(self, examples: Sequence[dict[str, Any]]) -> list[float]:
        return [self.means.get(_rewrite(e) or "", self.overall) for e in examples]

    def save(self, directory: Path, extra: dict[str, Any]) -> None:
        (directory / TABLE_FILE).write_text(json.dumps({"means": self.means, "overall": self.overall}, indent=2))
        write_config(directory, {**extra, "kind": self.kind, "bins": self.bins.to_dict(), "history": self.history})

    @classmethod
    def load(cls, path: str | Path) -> RewriteMeanScorer:
        directory = Path(path)
        data = read_config(directory)
        scorer = cls(Bins(**data["bins"]), data["history"])
        try:
            table = json.loads((directory / TABLE_FILE).read_text())
            scorer.means, scorer.overall = dict(table["means"]), float(table["overall"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{directory}/{TABLE_FILE} does not load: {exc}",
                             "retrain with `maxcode rtg train kind=rewrite_mean`") from None
        return scorer
