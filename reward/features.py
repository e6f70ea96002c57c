"""`ranker=features`: the non-neural baseline the LM must beat.

Hashed code tokens of the candidate, hashed tokens of the lines it adds and removes against
its parent (the last program of the prefix), a few size features of that diff, and the
signals that carry across tasks (the rewrites applied, the parent's diagnosis tags and
their pairings, depth, the parent's log speedup; `scorer.signal_words`); a ridge
regression onto each example's bin value (the speedup its return bin stands for). Trained
on the same dataset files as the LM; saved as `features.pkl` beside `rtg_config.json`.
"""

from __future__ import annotations

import difflib
import math
import pickle
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from maxcode.reward.dataset import Bins
from maxcode.reward.errors import ModelError
from maxcode.reward.scorer import read_config, signal_words, write_config

TOKEN_PATTERN = r"[A-Za-z_]\w*|\d+|[^\s\w]{1,2}"


@dataclass
class FeaturesConfig:
    """Settings of the features ranker."""

    n_features: int = 2**16
    """Hash buckets per vectorizer."""
    alpha: float = 1.0
    """Ridge regularisation."""


def _parent(example: dict[str, Any]) -> str:
    prefix = example.get("prefix") or []
    return prefix[-1]["source"] if prefix else example.get("baseline", "")


def _diff(example: dict[str, Any]) -> tuple[str, str, list[float]]:
    old = _parent(example).splitlines()
    new = example.get("candidate", "").splitlines()
    added, removed = [], []
    for line in difflib.unified_diff(old, new, lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
        elif line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
    size = [math.log1p(len(added)), math.log1p(len(removed)),
            math.log((len("\n".join(new)) + 1) / (len("\n".join(old)) + 1))]
    return "\n".join(added), "\n".join(removed), size


def _log_speedup(example: dict[str, Any]) -> float:
    speedup = example.get("parent_speedup")
    return math.log(speedup) if isinstance(speedup, int | float) and speedup > 0 else 0.0


class FeatureMatrix:
    """Examples as rows of one sparse matrix: the candidate's code tokens, the tokens of the
    lines it adds and removes, the signal words, and the diff sizes with the parent's log
    speedup (the features ranker's inputs; `maxcode.reward.lambdarank` reads the same ones)."""

    def __init__(self, n_features: int) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        make = lambda: HashingVectorizer(n_features=n_features, token_pattern=TOKEN_PATTERN,  # noqa: E731
                                         ngram_range=(1, 2), alternate_sign=False, lowercase=False)
        self.code, self.added, self.removed = make(), make(), make()
        self.signals = HashingVectorizer(n_features=n_features, analyzer=lambda words: words,
                                         alternate_sign=False)

    def __call__(self, examples: Sequence[dict[str, Any]]) -> Any:
        from scipy.sparse import csr_matrix, hstack

        diffs = [_diff(e) for e in examples]
        return hstack([self.code.transform([e.get("candidate", "") for e in examples]),
                       self.added.transform([d[0] for d in diffs]),
                       self.removed.transform([d[1] for d in diffs]),
                       self.signals.transform([signal_words(e) for e in examples]),
                       csr_matrix([[*d[2], _log_speedup(e)] for d, e in zip(diffs, examples, strict=True)])]).tocsr()


class FeaturesScorer:
    """Ridge regression on hashed tokens and diff features."""

    kind = "features"

    def __init__(self, bins: Bins, history: int, config: FeaturesConfig | None = None) -> None:
        self.bins, self.history = bins, history
        self.config = config or FeaturesConfig()
        self.features = FeatureMatrix(self.config.n_features)
        self.model: Any = None

    def fit(self, examples: Sequence[dict[str, Any]]) -> FeaturesScorer:
        from sklearn.linear_model import Ridge

        values = self.bins.levels
        self.model = Ridge(alpha=self.config.alpha).fit(self.features(examples),
                                                        [values[e["bin"]] for e in examples])
        return self

    def score(self, examples: Sequence[dict[str, Any]]) -> list[float]:
        if not examples:
            return []
        return [float(v) for v in self.model.predict(self.features(examples))]

    def save(self, directory: Path, extra: dict[str, Any]) -> None:
        with open(directory / "features.pkl", "wb") as f:
            pickle.dump(self.model, f)
        write_config(directory, {**extra, "kind": self.kind, "bins": self.bins.to_dict(),
                                 "history": self.history, "features": asdict(self.config)})

    @classmethod
    def load(cls, path: str | Path) -> FeaturesScorer:
        directory = Path(path)
        data = read_config(directory)
        scorer = cls(Bins(**data["bins"]), data["history"], FeaturesConfig(**data["features"]))
        try:
            with open(directory / "features.pkl", "rb") as f:
                scorer.model = pickle.load(f)
        except (OSError, pickle.UnpicklingError) as exc:
            raise ModelError(f"{directory}/features.pkl does not load: {exc}",
                             "retrain with `maxcode rtg train kind=features`") from None
        return scorer
