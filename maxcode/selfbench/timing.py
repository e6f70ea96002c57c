"""Timing trustworthiness: wall-mode A/A false positives, smallest detected speedup, instruction spread.

Three figures, each measured through the real C++ judge and the configured sandbox backend:

1. A/A false-positive rate: a program judged against itself N times (100, or 10 with
   `--quick`); the share of verdicts that call a significant change. Goal <= 5%. Also
   shown: how many intervals excluded 1.0 but stayed inside the timer's no-change band
   (`timing.min_relative_change`), i.e. what the rate would be without the band.
2. Smallest detected speedup: programs whose work is a compile-time loop count, so a
   candidate with `WORK / s` iterations has a known true speedup of about `s` on the work
   (the fixed process start-up cost makes the whole-program speedup slightly lower; the
   table shows the median measured one next to it). For each `s`, the share of trials
   that come out significantly faster within the configured wall timer's time cap
   (10 s by default). The figure is the smallest `s` detected in >= 95% of trials. Goal 5%.
   Decisive cases, 2x faster and 2x slower, show how soon the sequential rule stops
   (median seconds of timing; goal <= 2 s). Every row gives its stop reasons.
3. Instruction-count spread: the baseline and a candidate counted several times in fresh
   sandboxes; max - min over runs per program. Goal 0.

Run with: `maxcode bench timing [--quick] [--json FILE] [sandbox=local]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

from maxcode.records.evaluation import Status
from maxcode.records.testcases import TestCase
from maxcode.sandbox.judges.cpp import CppJudge
from maxcode.sandbox.timing.instructions import InstructionTimer
from maxcode.sandbox.timing.wall import WallTimer

log = logging.getLogger(__name__)

# The work loop's iteration count is the only difference between variants. The asm barrier
# keeps the compiler from folding the recurrence; the input sum is the checked answer.
PROGRAM = """#include <cstdio>
int main() {{
    int n; if (scanf("%d", &n) != 1) return 1;
    long long s = 0, v;
    for (int i = 0; i < n; i++) {{ scanf("%lld", &v); s += v; }}
    unsigned long long x = 88172645463325252ULL;
    for (long long i = 0; i < {work}LL; i++) {{
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        asm volatile("" : "+r"(x));
    }}
    if (x == 1) puts("unreachable");
    printf("%lld\\n", s);
    return 0;
}}
"""

BASE_WORK = 20_000_000
"""Iterations of the baseline's work loop (about 20-40 ms on current x86 cores)."""


@dataclass
class Figures:
    backend: str = ""
    baseline_time_s: float | None = None
    aa_comparisons: int = 0
    aa_false_positives: int = 0
    aa_rate: float | None = None
    aa_excluding_one: int = 0
    """A/A intervals that exclude 1.0 but stay inside the no-change band (not claimed)."""
    aa_results: list[dict[str, Any]] = field(default_factory=list)
    aa_median_seconds: float | None = None
    aa_median_timing_seconds: float | None = None
    aa_stop_reasons: dict[str, int] = field(default_factory=dict)
    sequential: bool | None = None
    detection: dict[str, dict[str, Any]] = field(default_factory=dict)
    smallest_detected_speedup: float | None = None
    instruction_counts: dict[str, list[int]] = field(default_factory=dict)
    instruction_spread: dict[str, int] = field(default_factory=dict)
    counter: str = ""


def _make_task(root: Path) -> list[TestCase]:
    rng = random.Random(0)
    tests_dir = root / "tests"
    tests_dir.mkdir()
    numbers = [rng.randint(-1000, 1000) for _ in range(2000)]
    (tests_dir / "input.0.txt").write_text(f"{len(numbers)}\n{' '.join(map(str, numbers))}\n")
    (tests_dir / "output.0.txt").write_text(f"{sum(numbers)}\n")
    return [TestCase("0", str(tests_dir / "input.0.txt"), str(tests_dir / "output.0.txt"))]


def _judge(cfg: DictConfig, backend: Any, timing: Any) -> CppJudge:
    return instantiate(cfg.judge.cpp)(backend=backend, timing=timing)


def _wall_timer(cfg: DictConfig) -> WallTimer:
    if str(cfg.cpp_timing.get("_target_", "")).endswith("WallTimer"):
        return instantiate(cfg.cpp_timing)
    return WallTimer(seed=int(cfg.seed))


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    aa_n = 10 if quick else 100
    speedups = [1.05, 1.20, 2.0, 0.5] if quick else [1.02, 1.03, 1.05, 1.10, 1.20, 2.0, 0.5]
    trials = 5 if quick else 20
    repeats = 3 if quick else 5

    from maxcode import judging

    backend = judging.make_backend(cfg)
    console = Console()
    figures = Figures(backend=getattr(backend, "name", ""))
    try:
        with tempfile.TemporaryDirectory(prefix="maxcode-bench-timing-") as tmp:
            tests = _make_task(Path(tmp))
            baseline = PROGRAM.format(work=BASE_WORK)
            timer = _wall_timer(cfg)
            figures.sequential = timer.sequential
            wall = _judge(cfg, backend, timer)

            # 1. A/A: the baseline against itself.
            seconds, timing_s = [], []
            for i in range(aa_n):
                t0 = time.monotonic()
                ev = wall.evaluate(baseline, baseline, tests)
                seconds.append(time.monotonic() - t0)
                if ev.status is not Status.OK:
                    raise RuntimeError(f"A/A comparison {i} ended {ev.status.value}: {ev.message}")
                timing_s.append(ev.details.get("measurement_s", 0.0))
                reason = ev.details.get("stop_reason", "")
                figures.aa_stop_reasons[reason] = figures.aa_stop_reasons.get(reason, 0) + 1
                figures.aa_comparisons += 1
                figures.aa_false_positives += int(ev.significant)
                lo, hi = ev.speedup_ci or (1.0, 1.0)
                figures.aa_excluding_one += int(lo > 1.0 or hi < 1.0)
                figures.aa_results.append({"speedup": ev.speedup, "ci": [lo, hi], "significant": ev.significant})
                figures.baseline_time_s = ev.baseline_time_s
                log.info("A/A %d: %.4fx CI %s significant=%s", i, ev.speedup, ev.speedup_ci, ev.significant)
            figures.aa_rate = figures.aa_false_positives / figures.aa_comparisons
            figures.aa_median_seconds = statistics.median(seconds)
            figures.aa_median_timing_seconds = statistics.median(timing_s)

            # 2. Detection of known speedups.
            for s in speedups:
                candidate = PROGRAM.format(work=round(BASE_WORK / s))
                hits, measured, spent, timed, reasons = 0, [], [], [], {}
                for _ in range(trials):
                    t0 = time.monotonic()
                    ev = wall.evaluate(baseline, candidate, tests)
                    spent.append(time.monotonic() - t0)
                    if ev.status is not Status.OK:
                        raise RuntimeError(f"speedup {s} trial ended {ev.status.value}: {ev.message}")
                    # A slower candidate (s < 1) is detected when judged significantly slower.
                    hits += int(ev.significant and ((ev.speedup or 0) > 1) == (s > 1))
                    measured.append(ev.speedup)
                    timed.append(ev.details.get("measurement_s", 0.0))
                    reason = ev.details.get("stop_reason", "")
                    reasons[reason] = reasons.get(reason, 0) + 1
                figures.detection[f"{s:.2f}"] = {
                    "work_speedup": s, "trials": trials, "detected": hits, "rate": hits / trials,
                    "median_measured_speedup": statistics.median(measured),
                    "median_seconds": statistics.median(spent),
                    "median_timing_seconds": statistics.median(timed),
                    "stop_reasons": reasons,
                }
            detected = [s for s in speedups if s > 1 and figures.detection[f"{s:.2f}"]["rate"] >= 0.95]
            figures.smallest_detected_speedup = min(detected) if detected else None

            # 3. Instruction counts, counted again in fresh sandboxes.
            counter = InstructionTimer(repeats=repeats, seed=int(cfg.seed))
            ev = _judge(cfg, backend, counter).evaluate(baseline, PROGRAM.format(work=BASE_WORK // 2), tests)
            if ev.status is not Status.OK:
                raise RuntimeError(f"instruction counting ended {ev.status.value}: {ev.message}")
            figures.counter = ev.details.get("counter", "")
            figures.instruction_spread = ev.details.get("spread_instructions", {})
            figures.instruction_counts = ev.details.get("instructions_per_repeat", {})
    finally:
        backend.close()

    _print(console, figures, quick)
    if getattr(args, "json", None):
        Path(args.json).write_text(json.dumps(figures.__dict__, indent=2))
    return 0


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _print(console: Console, f: Figures, quick: bool) -> None:
    table = Table(title=f"timing trustworthiness ({f.backend}{', quick' if quick else ''})")
    table.add_column("figure")
    table.add_column("value")
    table.add_column("goal")
    table.add_row("baseline run time", f"{(f.baseline_time_s or 0) * 1e3:.1f} ms", "")
    table.add_row(
        "A/A false-positive rate (wall)",
        f"{f.aa_false_positives}/{f.aa_comparisons} = {100 * (f.aa_rate or 0):.1f}% "
        f"(sequential stopping {'on' if f.sequential else 'off'}; median {f.aa_median_seconds:.1f} s per "
        f"comparison, {f.aa_median_timing_seconds:.1f} s of it timing; stops {_reasons(f.aa_stop_reasons)}; "
        f"{f.aa_excluding_one} interval(s) excluded 1.0 inside the no-change band)",
        "<= 5%",
    )
    for d in f.detection.values():
        s = d["work_speedup"]
        table.add_row(
            f"detected {100 * (s - 1):.0f}% speedup" if s > 1 else f"detected {1 / s:.1f}x slowdown",
            f"{d['detected']}/{d['trials']} (measured {d['median_measured_speedup']:.3f}x, "
            f"median {d['median_seconds']:.1f} s, {d['median_timing_seconds']:.1f} s of it timing; "
            f"stops {_reasons(d['stop_reasons'])})",
            ">= 95%" if s < 2 and s > 0.5 else ">= 95%, timing <= 2 s",
        )
    smallest = f.smallest_detected_speedup
    table.add_row("smallest speedup detected >= 95%",
                  f"{100 * (smallest - 1):.0f}%" if smallest else "none of those tried", "5%")
    table.add_row(f"instruction spread ({f.counter})", json.dumps(f.instruction_spread), "0")
    console.print(table)
