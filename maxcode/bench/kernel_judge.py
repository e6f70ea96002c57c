"""Kernel judge: overhead per candidate (build excluded / included) and CPU timing spread.

Part 1 judges a plain-PyTorch ReLU candidate (nothing to build) and a load_inline C++ ReLU
kernel twice: with an empty build cache (build included) and again (cache hit, build
excluded). Overhead = judge wall time minus the in-process time of the calls it timed.
Part 2 judges the kernel (cached) 10 times and reports the spread of its median time
relative to the median of those medians. Part 3 is the A/A check: the problem's own `Model`
renamed `ModelNew`, judged 20 times; a significant verdict is a false positive. The sandbox
backend comes from cfg.sandbox.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from maxcode.judging import make_backend

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "sandbox" / "kernel" / "fixtures"


def _judge(cfg: DictConfig, backend, cache_dir: str, **overrides):
    node = OmegaConf.merge(cfg.judge.kernel, {"cache_dir": cache_dir, "device": "cpu", **overrides})
    return instantiate(node)(backend=backend)


def _timed(judge, problem: str, candidate: str) -> dict:
    start = time.perf_counter()
    ev = judge.evaluate(problem, candidate)
    wall = time.perf_counter() - start
    if ev.status.value != "ok":
        raise RuntimeError(f"the benchmark's candidate was judged {ev.status.value}: {ev.message}")
    work = sum(ev.baseline_times_s) + sum(ev.candidate_times_s)
    build = (ev.details.get("build") or {}).get("build_s", 0.0)
    return {
        "status": ev.status.value, "judge_s": wall, "timed_calls_s": work, "build_s": build,
        "overhead_s": wall - work - build, "candidate_time_s": ev.candidate_time_s,
        "speedup": ev.speedup, "speedup_ci": ev.speedup_ci, "significant": ev.significant,
    }


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    console = Console()
    problem = (FIXTURES / "relu_problem.py").read_text()
    plain = (FIXTURES / "relu_torch.py").read_text()
    kernel = (FIXTURES / "relu_kernel.py").read_text()
    repeats = 3 if args.quick else 10
    backend = make_backend(cfg)
    figures: dict = {"backend": backend.name, "isolation": getattr(backend, "isolation", "")}
    try:
        with tempfile.TemporaryDirectory() as cache:
            lenient = _judge(cfg, backend, cache, require_custom_kernel=False)
            strict = _judge(cfg, backend, cache)
            figures["plain_torch"] = _timed(lenient, problem, plain)
            figures["kernel_build_included"] = _timed(strict, problem, kernel)
            figures["kernel_build_excluded"] = _timed(strict, problem, kernel)
            medians, speedups = [], []
            for _ in range(repeats):
                one = _timed(strict, problem, kernel)
                medians.append(one["candidate_time_s"])
                speedups.append(one["speedup"])
            mid = statistics.median(medians)
            figures["spread"] = {
                "repeats": repeats,
                "candidate_medians_s": medians,
                "median_s": mid,
                "range_rel": (max(medians) - min(medians)) / mid,
                "stdev_rel": statistics.stdev(medians) / mid if len(medians) > 1 else 0.0,
                # The paired speedup cancels load shared by both sides of one judgement.
                "speedups": speedups,
                "speedup_range_rel": (max(speedups) - min(speedups)) / statistics.median(speedups),
            }
            same = problem.replace("class Model(", "class ModelNew(")
            aa = [_timed(lenient, problem, same) for _ in range(5 if args.quick else 20)]
            figures["aa"] = {
                "comparisons": len(aa),
                "false_positives": sum(bool(a["significant"]) for a in aa),
                "speedups": [a["speedup"] for a in aa],
                "cis": [a["speedup_ci"] for a in aa],
            }
    finally:
        backend.close()
    table = Table(title=f"kernel judge on {figures['backend']}")
    for col in ("case", "status", "judge s", "timed calls s", "build s", "overhead s"):
        table.add_column(col)
    for case in ("plain_torch", "kernel_build_included", "kernel_build_excluded"):
        f = figures[case]
        table.add_row(case, f["status"], f"{f['judge_s']:.2f}", f"{f['timed_calls_s']:.3f}",
                      f"{f['build_s']:.1f}", f"{f['overhead_s']:.2f}")
    console.print(table)
    s = figures["spread"]
    console.print(
        f"timing spread over {s['repeats']} judgements of one kernel: median {s['median_s'] * 1e6:.1f} us, "
        f"range {100 * s['range_rel']:.1f}% and stdev {100 * s['stdev_rel']:.1f}% of the median; "
        f"speedup range {100 * s['speedup_range_rel']:.1f}% of its median"
    )
    a = figures["aa"]
    console.print(
        f"A/A (the reference against itself, {a['comparisons']} judgements): "
        f"{a['false_positives']} significant; speedups {min(a['speedups']):.3f}x-{max(a['speedups']):.3f}x"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0
