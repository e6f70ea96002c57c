"""`maxcode bench rtg` end to end on SYNTHETIC runs (tests/support/rtg_synth.py): folds over
tasks, every order's evaluations-to-best with intervals, and the equal-budget figures."""

from __future__ import annotations

import json

from rtg_synth import write_runs

from maxcode.cli.main import main


def test_bench_rtg_reports_every_order_with_intervals(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    write_runs(tmp_path / "runs", tasks=6, per_task=5)
    out = tmp_path / "bench.json"
    assert main(["bench", "rtg", f"+rtg.runs=[{tmp_path / 'runs'}]", "+rtg.folds=2", "+rtg.steps=3",
                 "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["folds"] == 2 and len(figures["per_fold"]) == 2
    assert set(figures["evaluations_to_best"]) == {"random", "proposer", "features", "lm"}
    for cell in figures["evaluations_to_best"].values():
        assert cell["n"] == 2 and cell["low"] <= cell["mean"] <= cell["high"]
    assert set(figures["best_return_at_equal_budget"]) == {"without_reranking", "features", "lm"}
    assert "evaluations-to-best" in capsys.readouterr().out
