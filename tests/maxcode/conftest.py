from __future__ import annotations

from pathlib import Path

import pytest
from loop_fakes import TASK, FakeJudge
from maxcode.records.run import RunWriter
from maxcode.reward.rewards import SpeedupReward

from maxcode.budget import Budget, BudgetMeter
from maxcode.loop import LoopConfig, Search
from maxcode.observation import ObservationBuilder, ObservationConfig
from maxcode.search_tree import SearchTree


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's cache or runs directory."""
    monkeypatch.setenv("MAXCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def make_search(tmp_path: Path):
    """Build a Search over the fake task with the given strategy/proposer/budget."""

    def make(strategy, proposer, budget: Budget | None = None, judge=None, run_dir=None,
             observation: ObservationConfig | None = None, workers: int = 2, task=TASK, **loop):
        store = RunWriter(run_dir or tmp_path / "run")
        store.open("seed: 0\n")
        nodes = store.resume()
        from maxcode.records.node import total_spent

        meter = BudgetMeter(budget or Budget(max_wall_s=None), total_spent(nodes))
        return Search(task, strategy, proposer, judge or FakeJudge(), store, meter,
                      ObservationBuilder(observation or ObservationConfig()), SpeedupReward(),
                      config=LoopConfig(workers=workers, **loop), tree=SearchTree(nodes))

    return make
