"""What every reward-to-go scorer shares: the prompt, the model directory, loading.

A scorer maps examples (dicts in the dataset's layout: task, prefix, candidate) to scores,
the expected speedup of each candidate's return (lambdarank's: a relevance whose order alone
means something); higher is more promising. A model
directory holds `rtg_config.json` (kind, bins, history, dataset version, training config)
beside the kind's own files; `maxcode.reward.load_scorer.load_scorer` reads any kind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from maxcode.records.node import Node
from maxcode.reward.dataset import VERSION, Bins, carried_signals, prefix_of
from maxcode.reward.errors import ModelError

CONFIG_FILE = "rtg_config.json"
KINDS = ("lm", "features", "rewrite_mean", "lambdarank")


class Scorer(Protocol):
    """Scores candidates: expected speedup of their max-reward return."""

    bins: Bins
    history: int

    def score(self, examples: Sequence[dict[str, Any]]) -> list[float]: ...


def render(example: dict[str, Any], max_program_chars: int = 4000) -> str:
    """The prompt the LM reads: task, the prefix programs with feedback and diagnosis, and
    the candidate last (so a left truncation keeps it)."""

    def cut(text: str) -> str:
        return text if len(text) <= max_program_chars else text[:max_program_chars] + "\n[...]\n"

    parts = [f"### Task {example['task_id']}"]
    prefix = example.get("prefix") or []
    if not prefix or prefix[0].get("node_id") != 0:
        parts.append("### Initial program\n" + cut(example.get("baseline", "")))
    for i, step in enumerate(prefix, 1):
        block = f"### Program {i} of the path\n{cut(step['source'])}\nFeedback: {step['feedback']}"
        if step.get("diagnosis"):
            block += f"\nDiagnosis: {step['diagnosis']}"
        parts.append(block)
    signals = signal_words(example)
    if signals:
        parts.append("### Made by: " + " ".join(signals))
    parts.append("### Candidate\n" + cut(example.get("candidate", "")))
    parts.append("### Return bin:")
    return "\n".join(parts)


def signal_words(example: dict[str, Any]) -> list[str]:
    """The example's cross-task signals as words (rankers read these, not raw dicts)."""
    rewrites = example.get("rewrites") or []
    words = [f"rewrite:{r}" for r in rewrites]
    if rewrites:
        words.append(f"last_rewrite:{rewrites[-1]}")
    for key, value in sorted((example.get("tags") or {}).items()):
        words.append(f"parent_{key}:{value}")
        if rewrites:  # the pairing steering acts on: this rewrite against that bottleneck
            words.append(f"{rewrites[-1]}|{key}:{value}")
    if example.get("depth") is not None:
        words.append(f"depth:{min(int(example['depth']), 5)}")
    return words


def example_for(task_id: str, baseline: str, path: Sequence[Node], candidate: str,
                history: int, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """An example to score during a search: `path` is root..parent, `meta` the proposer's
    extras of the candidate's reply (the same fields the dataset reads)."""
    return {"task_id": task_id, "baseline": baseline, "prefix": prefix_of(path, history),
            "candidate": candidate, **carried_signals(meta or {}, path)}


def expected(probabilities: Sequence[float], bins: Bins) -> float:
    return float(sum(p * v for p, v in zip(probabilities, bins.levels, strict=True)))


def write_config(directory: Path, data: dict[str, Any]) -> None:
    (directory / CONFIG_FILE).write_text(json.dumps(data, indent=2) + "\n")


def read_config(path: str | Path) -> dict[str, Any]:
    directory = Path(path)
    file = directory / CONFIG_FILE
    if not file.is_file():
        raise ModelError(f"{directory} is not a reward-to-go model (no {CONFIG_FILE})",
                         "train one with `maxcode rtg train data=FILE out=DIR`")
    data = json.loads(file.read_text())
    if data.get("kind") not in KINDS:
        raise ModelError(f"{file}: unknown kind {data.get('kind')!r}", f"kinds: {', '.join(KINDS)}")
    if data.get("dataset_version") != VERSION:
        raise ModelError(f"{directory} was trained on dataset version {data.get('dataset_version')}, "
                         f"this MaxCode reads version {VERSION}", "retrain it on a rebuilt dataset")
    return data


def check_bins(scorer: Scorer, header: dict[str, Any], where: str) -> None:
    """A model scores only data binned as it was trained."""
    data_bins = header["bins"]
    if list(data_bins["edges"]) != list(scorer.bins.edges) or list(data_bins["values"]) != list(scorer.bins.levels):
        raise ModelError(f"the model was trained with bins {scorer.bins.edges}, {where} uses "
                         f"{data_bins['edges']}", "rebuild the data with the model's bins or retrain")
