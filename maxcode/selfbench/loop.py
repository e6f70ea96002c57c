"""The search loop's own overhead per node, and real evaluations per minute with workers=2.

Part 1 (`overhead`) runs the real loop, run store (fsync included), observation builder and
code extraction with an INSTANT FAKE proposer and an INSTANT FAKE judge, so what is timed
is MaxCode's bookkeeping alone (goal: < 5 ms per node), under best_of_n and under evolve
(whose program database is rebuilt from the tree every step: its cost grows with the run). Part 2 (`throughput`) runs the real
C++ judge on a pie-mini problem with the library proposer and loop.workers (default 2):
judged candidates per minute of wall time on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from maxcode.benchmarks.task import Task
from maxcode.budget import Budget, BudgetMeter
from maxcode.errors import UserError
from maxcode.loop import LoopConfig, Search
from maxcode.observation import Observation, ObservationBuilder, ObservationConfig
from maxcode.proposers.base import Reply
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.run import RunWriter
from maxcode.reward.rewards import SpeedupReward
from maxcode.search.best_of_n import BestOfN
from maxcode.search.evolve import Evolve

REPO = Path(__file__).resolve().parents[2]
PIE_SUITE = REPO / "benchmarks" / "suites" / "pie_mini"


class InstantFakeProposer:
    """Benchmark fake: returns distinct small C++ programs at once (no model involved)."""

    model = "instant-fake"

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        # The variants differ in code, not only in a comment: evolve's novelty check ignores comments.
        return [Reply(text=f"```cpp\nint main() {{ return {observation.serial + i}; }}\n```",
                      model=self.model, calls=int(i == 0)) for i in range(k)]


def instant_fake_judge(task: Task, source: str, incumbent: float | None = None,
                       full_budget: bool = False) -> Evaluation:
    """Benchmark fake: a fixed correct verdict, no compilation, no timing."""
    return Evaluation(status=Status.OK, correct=True, message="fake", speedup=1.2,
                      speedup_ci=(1.1, 1.3), significant=True)


def overhead(nodes: int, workers: int, durable: bool = True, strategy: str = "best_of_n") -> dict:
    task = Task(id="bench/fake", family="cpp", language="cpp",
                baseline_source="#include <cstdio>\nint main() { return 0; }\n" * 20)
    with tempfile.TemporaryDirectory() as tmp:
        store = RunWriter(tmp, durable=durable)
        store.open("bench: loop\n")
        meter = BudgetMeter(Budget(max_llm_calls=None, max_evaluations=nodes, max_wall_s=None))
        chosen = BestOfN(n=nodes, batch=8) if strategy == "best_of_n" else Evolve(samples=8, generations=None)
        search = Search(task, chosen, InstantFakeProposer(), instant_fake_judge,
                        store, meter, ObservationBuilder(ObservationConfig(history=True, y=True)),
                        SpeedupReward(), config=LoopConfig(workers=workers, idle_steps=10**9))
        started = time.perf_counter()
        search.run()
        elapsed = time.perf_counter() - started
        store.close()
        recorded = len(search.tree) - 1
    return {"strategy": strategy, "nodes": recorded, "workers": workers, "fdatasync": durable,
            "seconds": elapsed, "ms_per_node": 1000 * elapsed / recorded}


def throughput(cfg: DictConfig, problems: list[Path]) -> dict:
    """Judge every library variant of each problem (4 per problem), workers from the config."""
    from maxcode.wiring import Wiring, load_task

    evaluations, elapsed = 0, 0.0
    with Wiring(cfg) as wired:
        for problem in problems:
            task = load_task(problem / "slow.cpp", str(problem / "tests"))
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                result = wired.optimize(task, Path(tmp) / "run", fresh_parts=True)
                elapsed += time.perf_counter() - started
            evaluations += result.summary.spent().evaluations
    return {"problems": len(problems), "workers": int(cfg.loop.workers), "evaluations": evaluations,
            "seconds": elapsed, "evaluations_per_minute": 60.0 * evaluations / elapsed,
            "cpus": os.cpu_count()}


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    nodes = 200 if args.quick else 1000
    figures = {
        "overhead per node, durable (instant FAKE proposer + FAKE judge)": overhead(nodes, 2, durable=True),
        # The same without the per-node fdatasync: the loop's own work, apart from the disk's latency.
        "overhead per node, no fdatasync (instant FAKE proposer + FAKE judge)": overhead(nodes, 2, durable=False),
        "evolve: overhead per node, durable (instant FAKE proposer + FAKE judge)":
            overhead(nodes, 2, durable=True, strategy="evolve"),
        "evolve: overhead per node, no fdatasync (instant FAKE proposer + FAKE judge)":
            overhead(nodes, 2, durable=False, strategy="evolve"),
    }
    # The real part: library proposer over pie-mini, the configured judge and loop.workers.
    # The user's overrides (sandbox, timing, loop.workers...) stay; proposer and strategy are fixed.
    real_cfg = cfg.copy()
    OmegaConf.set_struct(real_cfg, False)  # whole components are swapped, not overridden
    real_cfg.proposer = {"_target_": "maxcode.proposers.library.LibraryProposer", "variants": None}
    real_cfg.strategy = {"_target_": "maxcode.search.best_of_n.BestOfN", "n": 4, "batch": 4}
    real_cfg.critique = {"_target_": "maxcode.critique.base.NoCritique"}
    real_cfg.name = "bench"
    real_cfg.paths.cache_dir = tempfile.mkdtemp(prefix="maxcode-bench-")
    problems = sorted(p.parent for p in PIE_SUITE.glob("*/slow.cpp"))[: 1 if args.quick else 3]
    try:
        figures["throughput (real C++ judge, pie-mini, fresh build cache)"] = throughput(real_cfg, problems)
    except UserError as exc:  # no sandbox backend here: the overhead figures still stand
        figures["throughput (real C++ judge, pie-mini)"] = {"unavailable": f"{exc.cause} ({exc.fix})"}
    table = Table(title="maxcode bench loop")
    table.add_column("measurement")
    table.add_column("figures")
    for name, values in figures.items():
        table.add_row(name, ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                      for k, v in values.items()))
    Console().print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0
