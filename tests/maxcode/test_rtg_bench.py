"""`maxcode bench rtg` end to end on SYNTHETIC runs (tests/support/rtg_synth.py): folds over
tasks, every order's evaluations-to-best with intervals, each ranker's paired difference
against the proposer's order, and the equal-budget figures. The bench runs once per module."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest
from rtg_synth import write_runs

from maxcode.cli.main import main

LEARNED = {"rewrite_mean", "features", "lambdarank", "lm"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[dict, str]:
    """One bench over six synthetic tasks in two folds: its JSON figures and what it printed."""
    root = tmp_path_factory.mktemp("rtg-bench")
    write_runs(root / "runs", tasks=6, per_task=5)
    out = root / "bench.json"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(printed):
        env.setenv("HF_HUB_OFFLINE", "1")
        env.setenv("COLUMNS", "200")  # rich wraps tables to 80 columns when not on a terminal
        assert main(["bench", "rtg", f"+rtg.runs=[{root / 'runs'}]", "+rtg.folds=2", "+rtg.steps=3",
                     "--json", str(out)]) == 0
    return json.loads(out.read_text()), printed.getvalue()


def _finite(cell: dict) -> bool:
    return cell["n"] == 2 and all(isinstance(cell[k], float) and math.isfinite(cell[k])
                                  for k in ("mean", "low", "high")) and cell["low"] <= cell["mean"] <= cell["high"]


def test_bench_rtg_reports_every_order_with_intervals(bench):
    figures, printed = bench
    assert figures["folds"] == 2 and len(figures["per_fold"]) == 2
    assert set(figures["evaluations_to_best"]) == {"random", "proposer", *LEARNED}
    for order, cell in figures["evaluations_to_best"].items():
        assert _finite(cell), (order, cell)
    assert set(figures["best_return_at_equal_budget"]) == {"without_reranking", *LEARNED}
    for order, cell in figures["best_return_at_equal_budget"].items():
        assert _finite(cell), (order, cell)
    assert set(figures["ranking"]) == LEARNED
    for order in LEARNED:
        assert _finite(figures["ranking"][order]["top1"]), order
    assert "evaluations-to-best" in printed


def test_each_ranker_is_paired_with_the_proposer_within_folds(bench):
    figures, printed = bench
    paired = figures["evaluations_to_best_minus_proposer"]
    assert set(paired) == LEARNED
    # Each fold's figure: its ranker's mean over the fold's pools minus the proposer's (same pools).
    per_fold = {order: [f[order]["evaluations_to_best"]["model"] - f[order]["evaluations_to_best"]["proposer"]
                        for f in figures["per_fold"]] for order in LEARNED}
    for order, cell in paired.items():
        assert _finite(cell), (order, cell)
        assert cell["mean"] == pytest.approx(sum(per_fold[order]) / 2), order
    # The synthetic candidates carry no rewrite, so the bar scores them all alike and ties keep
    # the proposer's order: a difference of exactly 0 in both folds (not the random order's).
    assert per_fold["rewrite_mean"] == [0, 0]
    # LambdaRank learns the planted fast-path marker from the other fold's pools: its order
    # reaches each held-out pool's best sooner than the proposer's in both folds.
    assert all(d < 0 for d in per_fold["lambdarank"]), per_fold["lambdarank"]
    section = printed.split("minus proposer", 1)[-1].split("best return", 1)[0]
    for order in LEARNED:
        row = next((line for line in section.splitlines() if f" {order} " in line), "")
        cell = paired[order]
        assert f"{cell['mean']:.2f} [{cell['low']:.2f}, {cell['high']:.2f}]" in row, (order, printed)
