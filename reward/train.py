"""`maxcode rtg train`: fit a reward-to-go scorer on a dataset file's training split.

Training runs in `<out>.partial/` (checkpoints, the staged model); only a finished model is
moved to `out`, so an interrupted run leaves no half-written model, and a re-run with the
same config resumes from the last checkpoint. A different config over a partial run is
refused rather than mixed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from maxcode.records.run import atomic_write
from maxcode.reward import dataset
from maxcode.reward.errors import DatasetError, ModelError
from maxcode.reward.features import FeaturesConfig, FeaturesScorer
from maxcode.reward.lambdarank import LambdaRankConfig, LambdaRankScorer
from maxcode.reward.lm import LMConfig
from maxcode.reward.rewrite_mean import RewriteMeanScorer
from maxcode.reward.scorer import KINDS, render
from maxcode.reward.tiny import TINY_BASE, build_tiny_base, with_tiny_recipe

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """`maxcode rtg train data=FILE base_model=PATH out=DIR [key=value...]`."""

    data: str = ""
    """Dataset file from `maxcode rtg dataset`."""
    out: str = ""
    """Model directory to write."""
    kind: str = "lm"
    """`lm` (causal LM + LoRA), `features` (the non-neural baseline), `rewrite_mean` (the
    bar: mean return per rewrite) or `lambdarank` (LightGBM LambdaRank within sibling pools)."""
    base_model: str = ""
    """Local directory of the Hugging Face causal LM to adapt (kind=lm); `tiny`: no
    pretrained model at hand, build maxcode.reward.tiny's from-scratch base on the training prompts
    and train it with its recipe (for CPU machines and benches; a real run uses a code LM)."""
    overwrite: bool = False
    """Replace an existing model in `out`."""
    lm: LMConfig = field(default_factory=LMConfig)
    """LM settings."""
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    """Features-ranker settings."""
    lambdarank: LambdaRankConfig = field(default_factory=LambdaRankConfig)
    """Lambdarank-ranker settings."""


def run(config: TrainConfig) -> Path:
    if config.kind not in KINDS:
        raise ModelError(f"kind={config.kind!r} is not a scorer", f"use kind={' or kind='.join(KINDS)}")
    if not config.out:
        raise ModelError("no output directory", "add out=DIR")
    header, examples = dataset.load(config.data)
    bins, history = dataset.bins_of(header), int(header["history"])
    train_examples = [e for e in examples if e["split"] == "train"]
    if not train_examples:
        raise DatasetError(f"{config.data} has no training examples", "add runs of more tasks")
    out = Path(config.out)
    if (out / "rtg_config.json").exists() and not config.overwrite:
        raise ModelError(f"{out} already holds a model", "choose another out=DIR or add overwrite=true")
    if out.exists() and not (out / "rtg_config.json").exists() and any(out.iterdir()):
        raise ModelError(f"{out} exists and is not a model directory", "choose an empty or new out=DIR")
    work = out.with_name(out.name + ".partial")
    saved = asdict(config)
    saved.pop("overwrite")
    config_file = work / "train_config.json"
    if config_file.is_file() and json.loads(config_file.read_text()) != saved:
        raise ModelError(f"{work} holds an interrupted training with another config",
                         f"re-run with the same settings to resume, or delete {work}")
    work.mkdir(parents=True, exist_ok=True)
    atomic_write(config_file, json.dumps(saved, indent=2) + "\n")
    staging = work / "model"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    extra: dict[str, Any] = {"dataset_version": dataset.VERSION, "data": str(Path(config.data).resolve()),
                             "train_config": saved, "train_examples": len(train_examples),
                             "train_tasks": sorted({e["task_id"] for e in train_examples})}
    if config.kind == "features":
        FeaturesScorer(bins, history, config.features).fit(train_examples).save(staging, extra)
    elif config.kind == "rewrite_mean":
        RewriteMeanScorer(bins, history).fit(train_examples).save(staging, extra)
    elif config.kind == "lambdarank":
        LambdaRankScorer(bins, history, config.lambdarank).fit(train_examples).save(staging, extra)
    else:
        if not config.base_model:
            raise ModelError("kind=lm needs a base model", "add base_model=PATH (a local HF causal LM)")
        from maxcode.reward import lm

        base, settings = config.base_model, config.lm
        if base == TINY_BASE:  # built inside the model directory: it ships with the adapter
            base = str(build_tiny_base(staging / "base", [render(e) for e in train_examples]))
            settings = with_tiny_recipe(settings)
        lm.train(train_examples, bins, history, base, settings, work, staging, extra)
    publish(staging, out)
    shutil.rmtree(work, ignore_errors=True)
    return out


def publish(staging: Path, out: Path) -> None:
    """Move a finished model into place (an older one at `out` is replaced only now)."""
    trash = out.with_name(out.name + ".old")
    if out.exists():
        os.replace(out, trash)
    os.replace(staging, out)
    shutil.rmtree(trash, ignore_errors=True)
