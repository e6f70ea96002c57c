"""Reward-to-go ranking on held-out built-in problems: evaluations-to-best per order, and best speedup at equal budget.

Data: recorded runs of the pie_mini problems (`+rtg.runs=[DIR,...]`; without it the bench
records them first under `${paths.runs_dir}/rtg-bench/`, one `maxcode optimize` per problem
with `proposer=rewrites`, best-of-6, real judge). Folds split the problems (never nodes):
each fold's problems are held out, the four rankers (`LEARNED`) are trained on the same
training examples of the others, and every held-out sibling pool is judged in six orders:

    random        expected position of the first best candidate, (n + 1) / (b + 1)
    proposer      the order the proposer wrote them
    rewrite_mean  the bar: the mean training return of the candidate's rewrite (no code read)
    features      the features ranker's score (hashed tokens + diff, ridge)
    lambdarank    LightGBM LambdaRank within sibling pools, on the features ranker's inputs
    lm            the LM ranker's score (a causal LM + LoRA writing the bin token)

Reported per order: evaluations-to-best (mean over pools, then mean and 95% t-interval over
folds), Spearman and top-1 for the rankers; for each ranker, the paired difference against
the proposer's order in evaluations-to-best (per fold, the mean over its pools of ranker
minus proposer on the same pool; then mean and 95% t-interval over folds; negative is
better); and the effect in the loop at an equal budget of
`rtg.keep` evaluations per pool: the best return among the first `keep` judged, with
reranking (the ranker's top `keep`) and without (the proposer's first `keep`). Those loop
figures are REPLAYED from the recorded verdicts of the pool, not fresh searches.

LM base: `+rtg.base_model=PATH` (a pretrained HF causal LM; a code model on a GPU), else a
from-scratch tiny GPT-2 per fold (`maxcode.reward.tiny`), which is what a CPU can afford.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from maxcode.errors import ConfigError
from maxcode.records.run import RunReader
from maxcode.reward import dataset, evaluate, train
from maxcode.reward.features import FeaturesScorer
from maxcode.reward.lambdarank import LambdaRankScorer
from maxcode.reward.lm import LMConfig, LMScorer
from maxcode.reward.rewrite_mean import RewriteMeanScorer
from maxcode.reward.tiny import TINY_BASE

REPO = Path(__file__).resolve().parents[2]
PIE_SUITE = REPO / "benchmarks" / "suites" / "pie_mini"
LEARNED = ("rewrite_mean", "features", "lambdarank", "lm")
"""The orders of a ranker trained per fold (the held-out pool judged best score first)."""
ORDERS = ("random", "proposer", *LEARNED)


def record_runs(root: Path, quick: bool) -> list[str]:
    """One best-of-6 run per pie_mini problem with the rewrites proposer (real judge)."""
    problems = sorted(p.parent for p in PIE_SUITE.glob("*/slow.cpp"))[: 6 if quick else None]
    for problem in problems:
        run_dir = root / problem.name
        if RunReader(run_dir).run_summary() is not None:
            continue
        print(f"recording {problem.name} ...", flush=True)
        subprocess.run([sys.executable, "-m", "maxcode.cli.main", "optimize", str(problem / "slow.cpp"),
                        "proposer=rewrites", "sandbox=local", "strategy=best_of_n", "strategy.n=6",
                        "strategy.batch=6", "budget.max_evaluations=6", f"run_dir={run_dir}"],
                       check=False, capture_output=True)
    return [str(root)]


def folds_of(tasks: list[str], k: int) -> list[list[str]]:
    k = max(2, min(k, len(tasks)))
    return [tasks[i::k] for i in range(k)]


def interval(values: list[float]) -> dict[str, float | None]:
    """Mean and 95% t-interval over folds."""
    from scipy.stats import t

    xs = [v for v in values if v is not None and not math.isnan(v)]
    if not xs:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean = sum(xs) / len(xs)
    if len(xs) < 2:
        return {"mean": mean, "low": None, "high": None, "n": len(xs)}
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
    half = float(t.ppf(0.975, len(xs) - 1)) * sd / math.sqrt(len(xs))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": len(xs)}


def lm_scores(fold_dir: Path, data: Path, test: list[dict], base_model: str | None, steps: int) -> list[float]:
    lm = LMConfig(max_steps=steps, save_steps=10_000, batch_size=4)
    out = train.run(train.TrainConfig(data=str(data), out=str(fold_dir / "lm"),
                                      base_model=base_model or TINY_BASE, lm=lm))
    return LMScorer.load(out).score(test)


def run_fold(fold: int, held: list[str], config: dataset.DatasetConfig, work: Path,
             base_model: str | None, steps: int, keep: int) -> dict[str, Any]:
    fold_dir = work / f"fold{fold}"
    data = fold_dir / "data.jsonl"
    config.test_tasks = held
    header, examples, card = dataset.build(config)
    dataset.write(data, header, examples, card)
    train_examples = [e for e in examples if e["split"] == "train"]
    test = evaluate.held_out(examples)
    bins, history = dataset.bins_of(header), int(header["history"])
    scores = {
        "rewrite_mean": RewriteMeanScorer(bins, history).fit(train_examples).score(test),
        "features": FeaturesScorer(bins, history).fit(train_examples).score(test),
        "lambdarank": LambdaRankScorer(bins, history).fit(train_examples).score(test),
        "lm": lm_scores(fold_dir, data, test, base_model, steps),
    }
    result: dict[str, Any] = {"held_out": held, "examples": len(test)}
    for name, values in scores.items():
        result[name] = evaluate.metrics(test, values, budgets=(keep,))
    return result


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    options = OmegaConf.select(cfg, "rtg", default=None) or {}
    k = int(options.get("folds", 2 if args.quick else 5))
    keep = int(options.get("keep", 2))
    steps = int(options.get("steps", 60 if args.quick else 150))
    base_model = options.get("base_model")
    runs = list(options.get("runs") or [])
    if not runs:
        runs = record_runs(Path(cfg.paths.runs_dir) / "rtg-bench", args.quick)
    config = dataset.DatasetConfig(runs=runs, out="")
    _, examples, _ = dataset.build(config)
    tasks = sorted({e["task_id"] for e in examples})
    if len(tasks) < 2:
        raise ConfigError(f"the runs hold {len(tasks)} task(s); folds need two or more",
                          "record runs of more problems (+rtg.runs=[DIR,...])")
    folds = folds_of(tasks, k)
    per_fold = []
    with tempfile.TemporaryDirectory(prefix="maxcode-bench-rtg-") as tmp:
        for i, held in enumerate(folds):
            print(f"fold {i + 1}/{len(folds)}: held out {', '.join(held)}", flush=True)
            per_fold.append(run_fold(i, held, config, Path(tmp), base_model, steps, keep))
    figures = summarize(per_fold, keep)
    figures.update({"runs": runs, "tasks": tasks, "folds": len(folds), "lm_steps": steps,
                    "lm_base": base_model or "tiny from-scratch GPT-2 (maxcode.reward.tiny)",
                    "examples": len(examples), "per_fold": per_fold})
    show(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def minus_proposer(figures: dict[str, Any]) -> float | None:
    """One fold's mean over its held-out pools of (the ranker's evaluations-to-best minus the
    proposer's on the same pool): both means are over the same pools, so their difference."""
    etb = figures["evaluations_to_best"]
    if etb["model"] is None or etb["proposer"] is None:
        return None
    return etb["model"] - etb["proposer"]


def summarize(per_fold: list[dict[str, Any]], keep: int) -> dict[str, Any]:
    etb = {
        "random": interval([f["features"]["evaluations_to_best"]["random_expected"] for f in per_fold]),
        "proposer": interval([f["features"]["evaluations_to_best"]["proposer"] for f in per_fold]),
        **{name: interval([f[name]["evaluations_to_best"]["model"] for f in per_fold]) for name in LEARNED},
    }
    # Negative is better: fewer evaluations to the pool's best than in the proposer's order.
    paired = {name: interval([minus_proposer(f[name]) for f in per_fold]) for name in LEARNED}
    ranking = {name: {"spearman": interval([f[name]["spearman"] for f in per_fold]),
                      "top1": interval([f[name]["top1_accuracy"] for f in per_fold])}
               for name in LEARNED}
    m = str(keep)
    loop = {"without_reranking": interval([f["features"]["best_return_at_budget"]["proposer"][m] for f in per_fold]),
            **{name: interval([f[name]["best_return_at_budget"]["model"][m] for f in per_fold]) for name in LEARNED}}
    return {"evaluations_to_best": etb, "evaluations_to_best_minus_proposer": paired,
            "ranking": ranking, "keep": keep, "best_return_at_equal_budget": loop,
            "mean_pool_size": interval([f["features"]["mean_pool_size"] for f in per_fold])}


def _fmt(cell: dict[str, float | None]) -> str:
    if cell["mean"] is None:
        return "n/a"
    if cell["low"] is None:
        return f"{cell['mean']:.2f}"
    return f"{cell['mean']:.2f} [{cell['low']:.2f}, {cell['high']:.2f}]"


def show(figures: dict[str, Any]) -> None:
    console = Console()
    table = Table(title=f"evaluations-to-best on held-out problems ({figures['folds']} folds, "
                        f"mean [95% CI over folds]; pools of {_fmt(figures['mean_pool_size'])})")
    for column in ("order", "evaluations-to-best", "spearman", "top-1"):
        table.add_column(column)
    for order in ORDERS:
        rank = figures["ranking"].get(order)
        table.add_row(order, _fmt(figures["evaluations_to_best"][order]),
                      _fmt(rank["spearman"]) if rank else "", _fmt(rank["top1"]) if rank else "")
    console.print(table)
    paired = Table(title="evaluations-to-best, paired on the same pools (per fold the mean over its "
                         "pools, then mean [95% CI over folds]; negative is better)")
    paired.add_column("order")
    paired.add_column("minus proposer")
    for order in LEARNED:
        paired.add_row(order, _fmt(figures["evaluations_to_best_minus_proposer"][order]))
    console.print(paired)
    loop = Table(title=f"best return (speedup, failure 0) among {figures['keep']} judged per pool: "
                       "replayed from recorded verdicts")
    loop.add_column("judging")
    loop.add_column("best return")
    loop.add_row(f"proposer's first {figures['keep']}", _fmt(figures["best_return_at_equal_budget"]["without_reranking"]))
    for name in LEARNED:
        loop.add_row(f"{name} top {figures['keep']}", _fmt(figures["best_return_at_equal_budget"][name]))
    console.print(loop)
