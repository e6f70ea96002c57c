"""`maxcode rtg dataset|train|eval key=value...`: the reward-to-go model's workflow.

    maxcode rtg dataset runs=[DIR,...] out=FILE       examples + data card from run/sweep dirs
    maxcode rtg train data=FILE base_model=PATH|tiny out=DIR  [kind=features|rewrite_mean|lambdarank]
    maxcode rtg eval model=DIR data=FILE [out=JSON]   held-out metrics, table + JSON

Settings are the typed dataclasses of `maxcode.reward.dataset`, `maxcode.reward.train` and `EvalConfig`
below; a mistyped key is an error naming it.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from maxcode.errors import ConfigError, UserError


@dataclass
class EvalConfig:
    """`maxcode rtg eval model=DIR data=FILE`."""

    model: str = ""
    """Model directory from `maxcode rtg train`."""
    data: str = ""
    """Dataset file; its held-out split is scored."""
    split: str = "test"
    """Which split to score."""
    out: str = ""
    """JSON file of the figures; empty: `<model>/eval.<data file name>.json`."""
    device: str = ""
    """`cpu` or `cuda`; empty: cuda when available."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["dataset", "train", "eval"], help="what to do")


def parse(schema: type, overrides: list[str]) -> Any:
    """`key=value` overrides onto a dataclass schema; unknown keys and bad types are errors."""
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.from_dotlist(overrides))
        return OmegaConf.to_object(merged)
    except UserError:
        raise
    except OmegaConfBaseException as exc:
        if isinstance(exc.__cause__, UserError):
            raise exc.__cause__ from None
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"bad setting: {first}",
                          f"settings of this command: {', '.join(OmegaConf.structured(schema).keys())}") from None


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    return {"dataset": dataset_cmd, "train": train_cmd, "eval": eval_cmd}[args.action](overrides)


def dataset_cmd(overrides: list[str]) -> int:
    from maxcode.reward import dataset

    config = parse(dataset.DatasetConfig, overrides)
    if not config.runs or not config.out:
        raise ConfigError("rtg dataset needs runs and out", "maxcode rtg dataset runs=[DIR,...] out=FILE")
    header, examples, card = dataset.build(config)
    path = dataset.write(config.out, header, examples, card)
    print(f"{card['judged_nodes']} judged nodes from {card['runs']} runs over {card['tasks']} tasks: "
          f"{len(examples)} examples, distinct programs ({card['splits']}) -> {path}")
    print(f"per bin: {card['per_bin']}")
    print(f"data card: {dataset.card_path(path, '.md')}")
    return 0


def train_cmd(overrides: list[str]) -> int:
    from maxcode.reward import train

    config = parse(train.TrainConfig, overrides)
    out = train.run(config)
    print(f"{config.kind} model -> {out}")
    return 0


def eval_cmd(overrides: list[str]) -> int:
    from maxcode.records.run import atomic_write
    from maxcode.reward import dataset, evaluate
    from maxcode.reward.load_scorer import load_scorer
    from maxcode.reward.scorer import check_bins

    config = parse(EvalConfig, overrides)
    if not config.model or not config.data:
        raise ConfigError("rtg eval needs model and data", "maxcode rtg eval model=DIR data=FILE")
    header, examples = dataset.load(config.data)
    chosen = evaluate.held_out(examples, config.split)
    scorer = load_scorer(config.model, device=config.device or None)
    check_bins(scorer, header, f"data file {config.data}")
    scores = scorer.score(chosen)
    result = {"model": str(Path(config.model).resolve()), "kind": getattr(scorer, "kind", ""),
              "data": str(Path(config.data).resolve()), "split": config.split,
              **evaluate.metrics(chosen, scores),
              "scores": [{"id": e["id"], "score": s, "return": e["return"]} for e, s in zip(chosen, scores, strict=True)]}
    out = Path(config.out) if config.out else Path(config.model) / f"eval.{Path(config.data).name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, json.dumps(result, indent=2) + "\n")
    print(evaluate.table(result))
    print(f"figures: {out}")
    return 0
