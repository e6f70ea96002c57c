"""Load the scorer a model directory holds, whatever its kind (the kinds import `scorer`,
so the loader that imports the kinds lives here, above them; transformers and peft load
only when an LM model is loaded)."""

from __future__ import annotations

from pathlib import Path

from maxcode.reward.features import FeaturesScorer
from maxcode.reward.lambdarank import LambdaRankScorer
from maxcode.reward.lm import LMScorer
from maxcode.reward.rewrite_mean import RewriteMeanScorer
from maxcode.reward.scorer import Scorer, read_config


def load_scorer(path: str | Path, device: str | None = None) -> Scorer:
    """The scorer saved in a model directory, whatever its kind."""
    data = read_config(path)
    if data["kind"] == "features":
        return FeaturesScorer.load(path)
    if data["kind"] == "rewrite_mean":
        return RewriteMeanScorer.load(path)
    if data["kind"] == "lambdarank":
        return LambdaRankScorer.load(path)
    return LMScorer.load(path, device=device)
