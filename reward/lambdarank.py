"""`ranker=lambdarank`: learning to rank siblings, on the features ranker's inputs.

The search judges the best m of one parent's K proposals, so what a ranker must get right is
the order *within* a sibling pool (the candidates proposed from one parent in one run,
`evaluate.pools`), not a speedup across tasks. LightGBM's LambdaRank fits exactly that: a
pairwise loss, weighted by the change in NDCG, between the candidates of one pool. Inputs are
`features.FeatureMatrix` (hashed code and diff tokens, signal words, diff sizes, the parent's
log speedup). A score is a relevance within a pool: only the order of scores means anything,
not their scale (unlike the other kinds, it is no expected speedup). Saved as `lambdarank.json`
(the kept columns and LightGBM's text model) beside `rtg_config.json`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from maxcode.reward.dataset import Bins
from maxcode.reward.errors import ModelError
from maxcode.reward.evaluate import best_of_pool, pools
from maxcode.reward.features import FeatureMatrix
from maxcode.reward.scorer import read_config, write_config

MODEL_FILE = "lambdarank.json"
MAX_GRADE = 30
"""LightGBM's default label_gain (2^g - 1) has 31 entries; grades below the 31st tier merge."""


@dataclass
class LambdaRankConfig:
    """Settings of the lambdarank ranker (small: a few hundred examples train in well under
    a second on one thread)."""

    n_features: int = 2**16
    """Hash buckets per vectorizer (as the features ranker)."""
    n_estimators: int = 50
    """Boosting rounds (trees)."""
    num_leaves: int = 7
    """Leaves per tree."""
    learning_rate: float = 0.1
    """Shrinkage of each tree."""
    min_child_samples: int = 2
    """LightGBM's min_data_in_leaf: small, so a dataset of a few pools can still split; a
    column nonzero in fewer rows than this is dropped before training (it can never split)."""
    seed: int = 0
    """LightGBM's seed (with one thread and deterministic=true, training is reproducible)."""


def grades(pool: Sequence[int], examples: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Integer relevance of each candidate of a pool, the best highest."""
    # Tiers peeled off with best_of_pool: returns whose intervals overlap tie, as in rtg eval.
    tiers, left = [], list(pool)
    while left:
        best = best_of_pool(left, examples)
        tiers.append(best)
        left = [i for i in left if i not in best]
    top = min(len(tiers) - 1, MAX_GRADE)
    return {i: max(top - t, 0) for t, tier in enumerate(tiers) for i in tier}


class LambdaRankScorer:
    """LightGBM LambdaRank over sibling pools."""

    kind = "lambdarank"

    def __init__(self, bins: Bins, history: int, config: LambdaRankConfig | None = None) -> None:
        self.bins, self.history = bins, history
        self.config = config or LambdaRankConfig()
        self.features = FeatureMatrix(self.config.n_features)
        self.columns: list[int] = []
        self.booster: Any = None

    def fit(self, examples: Sequence[dict[str, Any]]) -> LambdaRankScorer:
        import lightgbm
        import numpy as np

        # A pool of one has no pair to learn from, nor one whose returns all tie: dropped.
        graded = [g for g in (grades(pool, examples) for pool in pools(examples)) if len(set(g.values())) > 1]
        if not graded:
            raise ModelError(f"the {len(examples)} training examples hold no sibling pool of two or more "
                             "candidates with different returns (lambdarank learns from siblings only)",
                             "build the dataset from runs that judge several proposals per parent "
                             "(e.g. strategy=beam, or best_of_n with batch > 1), or use kind=features")
        rows = [i for g in graded for i in g]
        labels = [g[i] for g in graded for i in g]
        matrix = self.features([examples[i] for i in rows]).tocsr()
        # Only columns that differ between siblings somewhere can change an order within a pool
        # (a column constant within every pool only shifts a pool's scores together), and one
        # nonzero in fewer than min_child_samples rows cannot split: dropping the rest spares
        # LightGBM binning 4 x n_features hashed columns (seconds, against milliseconds).
        sizes = [len(g) for g in graded]
        first = np.repeat(np.cumsum([0, *sizes[:-1]]), sizes)  # each row's pool's first row
        differs = matrix - matrix[first]
        differs.eliminate_zeros()
        counts = np.bincount(matrix.indices, minlength=matrix.shape[1])
        kept = np.intersect1d(differs.indices, np.flatnonzero(counts >= self.config.min_child_samples))
        self.columns = [int(i) for i in kept]
        if not self.columns:
            raise ModelError("no feature differs between the candidates of any training pool",
                             "build the dataset from runs whose sibling candidates differ, or use kind=features")
        c = self.config
        model = lightgbm.LGBMRanker(objective="lambdarank", n_estimators=c.n_estimators, num_leaves=c.num_leaves,
                                    learning_rate=c.learning_rate, min_child_samples=c.min_child_samples,
                                    min_data_in_bin=1, random_state=c.seed, deterministic=True, n_jobs=1,
                                    verbose=-1)
        model.fit(matrix[:, self.columns], labels, group=sizes)
        self.booster = model.booster_
        return self

    def score(self, examples: Sequence[dict[str, Any]]) -> list[float]:
        if not examples:
            return []
        matrix = self.features(examples).tocsr()[:, self.columns]
        return [float(v) for v in self.booster.predict(matrix, num_threads=1)]

    def save(self, directory: Path, extra: dict[str, Any]) -> None:
        (directory / MODEL_FILE).write_text(json.dumps({"columns": self.columns,
                                                        "model": self.booster.model_to_string()}))
        write_config(directory, {**extra, "kind": self.kind, "bins": self.bins.to_dict(),
                                 "history": self.history, "lambdarank": asdict(self.config)})

    @classmethod
    def load(cls, path: str | Path) -> LambdaRankScorer:
        import lightgbm

        directory = Path(path)
        data = read_config(directory)
        scorer = cls(Bins(**data["bins"]), data["history"], LambdaRankConfig(**data["lambdarank"]))
        try:
            saved = json.loads((directory / MODEL_FILE).read_text())
            scorer.columns = [int(i) for i in saved["columns"]]
            scorer.booster = lightgbm.Booster(model_str=saved["model"])
        except (OSError, ValueError, KeyError, lightgbm.basic.LightGBMError) as exc:
            raise ModelError(f"{directory}/{MODEL_FILE} does not load: {exc}",
                             "retrain with `maxcode rtg train kind=lambdarank`") from None
        return scorer
