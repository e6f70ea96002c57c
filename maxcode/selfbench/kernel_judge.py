"""Kernel judge: A/A false positives, a known 1.3x detected, overhead and wall time per judgement.

Part 1 (overhead): a plain-PyTorch ReLU candidate (nothing to build), then a load_inline
C++ ReLU kernel with an empty build cache (build included) and again (cache hit).
Overhead = judge wall time minus the in-process time of the calls it timed, minus the build.
Part 2 (A/A): identical work on both sides, judged repeatedly; every significant verdict is
a false positive. Cases: the problem's own `Model` renamed `ModelNew`, and load_inline C++
candidates calling the reference's own ATen ops, on a CPU ReLU, kernelbench-cpu's
Conv2d_Bias_Tanh (and its GELU, 16 MB of inputs a call, as its own Model), and with
`--data KERNELBENCH_DIR` the real KernelBench files level1/19_ReLU.py and
level2/1_Conv2D_ReLU_BiasAdd.py (use a checkout at CPU-sized shapes, e.g. KernelBench's
first release).
Part 3 (power): 13 ReLU passes against 10 of the same passes (a known 1.3x, memory-bound),
and 13 against 10 products with the identity (the same 1.3x, compute-bound), each judged
repeatedly; the share judged significantly faster is the detection rate. Both, because on a
machine shared with others memory-bound timings move with traffic from outside (the ReLU
case's measured ratio moved from 1.38x to 1.22x between two hours of this machine kind
while the compute-bound one stayed at 1.28-1.30x).
Every judgement runs as users run it: the configured sandbox, timing processes and lease.
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

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "sandbox" / "kernel" / "fixtures"
KERNELS = Path(__file__).with_name("kernels")
CONV = REPO / "benchmarks" / "suites" / "kernelbench_cpu" / "level2" / "3_Conv2d_Bias_Tanh.py"
# 16 MB of inputs a call: the harness's work around each call (inputs, digests, fingerprint)
# is ~20x the call's own 4 ms, the case where what a timing process costs is set by it.
GELU = REPO / "benchmarks" / "suites" / "kernelbench_cpu" / "level1" / "2_GELU.py"
# Known 1.3x speedups (figures key -> stem of kernels/<stem>_problem.py and <stem>_fewer.py).
POWER_CASES = {"known_1_3x": "relu_passes", "known_1_3x_compute_bound": "matmul_passes"}
POWER_LABELS = {"known_1_3x": "known 1.3x (13 vs 10 ReLU passes, memory-bound)",
                "known_1_3x_compute_bound": "known 1.3x (13 vs 10 identity products, compute-bound)"}
KERNELBENCH_FILES = ("level1/19_ReLU.py", "level2/1_Conv2D_ReLU_BiasAdd.py")
# KernelBench files -> (name, the reference's own ATen call on x), each judged against a
# load_inline C++ candidate making that call (`aten_candidate`), with the same problem's Model
# as ModelNew beside each.
# Tuned on (the judge's design was changed after looking at them): 23_Softmax (extension side
# judged 0.71-0.86x once), 21_Sigmoid and 26_GELU_ (per-side offsets, traced to input/output
# 4K aliasing). Held out, never looked at before the figures quoted for them: 20_LeakyReLU,
# 27_SELU_, 29_Softplus; and, after the timing processes were sized by whole trials,
# 28_HardSigmoid, 31_ELU, 32_HardTanh; and, after workers were forked from a warm interpreter
# (sandbox/runner/zygote.py), 25_Swish, 30_Softsign, 47_Sum_reduction_over_a_dimension,
# 53_Min_reduction_over_a_dimension. 24_LogSoftmax and 22_Tanh were measured before the
# input placement.
KERNELBENCH_ATEN = {
    "level1/23_Softmax.py": ("softmax", "at::softmax(x, 1)"),
    "level1/24_LogSoftmax.py": ("log_softmax", "at::log_softmax(x, 1)"),
    "level1/22_Tanh.py": ("tanh", "at::tanh(x)"),
    "level1/26_GELU_.py": ("gelu", "at::gelu(x)"),
    "level1/21_Sigmoid.py": ("sigmoid", "at::sigmoid(x)"),
    "level1/20_LeakyReLU.py": ("leaky_relu", "at::leaky_relu(x, 0.01)"),
    "level1/27_SELU_.py": ("selu", "at::selu(x)"),
    "level1/29_Softplus.py": ("softplus", "at::softplus(x, 1, 20)"),
    "level1/28_HardSigmoid.py": ("hardsigmoid", "at::hardsigmoid(x)"),
    "level1/31_ELU.py": ("elu", "at::elu(x, 1.0)"),
    "level1/32_HardTanh.py": ("hardtanh", "at::hardtanh(x, -1.0, 1.0)"),
    "level1/25_Swish.py": ("swish", "x * at::sigmoid(x)"),
    "level1/30_Softsign.py": ("softsign", "x / (1 + at::abs(x))"),
    "level1/47_Sum_reduction_over_a_dimension.py": ("sum_dim1", "at::sum(x, {1}, true)"),
    "level1/53_Min_reduction_over_a_dimension.py": ("min_dim1", "std::get<0>(at::min(x, 1))"),
}


# Settings of a judge that times whatever it is given: for candidates that are not custom
# kernels (the problem's own Model, plain torch), so only the dynamic checks apply.
UNCHECKED = {"static": "off", "require_custom_kernel": False}


def make_judge(cfg: DictConfig, backend, cache_dir: str, device: str = "cpu", **overrides):
    """The configured kernel judge, as users run it, with these settings changed (nested as in
    conf/judge/default.yaml: `checks={...}`, `timing={...}`)."""
    node = OmegaConf.merge(cfg.judge.kernel, {"cache_dir": cache_dir, "device": device, **overrides})
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
        "speedup": ev.speedup, "speedup_ci": list(ev.speedup_ci), "significant": ev.significant,
        "lease_wait_s": ev.details.get("lease_wait_s", 0.0),
        "processes": ev.details.get("timing_processes"), "stop_reason": ev.details.get("stop_reason"),
    }


def same_work(problem: str) -> str:
    """The problem's own Model as the candidate (KernelBench files call super(Model, self))."""
    return f"{problem}\n\nclass ModelNew(Model):\n    pass\n"


def aa_cases(data: str | None) -> list[tuple[str, str, str]]:
    """(name, problem source, candidate source) pairs that do identical work."""
    relu = (FIXTURES / "relu_problem.py").read_text()
    conv = CONV.read_text()
    gelu = GELU.read_text()
    cases = [
        ("relu 64x4096: Model as ModelNew", relu, same_work(relu)),
        ("relu 64x4096: C++ at::relu", relu, (KERNELS / "relu_aten_kernel.py").read_text()),
        ("conv2d+bias+tanh: Model as ModelNew", conv, same_work(conv)),
        ("conv2d+bias+tanh: C++ at::conv2d/tanh", conv, (KERNELS / "conv_bias_tanh_aten_kernel.py").read_text()),
        ("gelu 256x16384: Model as ModelNew", gelu, same_work(gelu)),
    ]
    if data:
        for rel in KERNELBENCH_FILES:
            source = _kernelbench_file(data, rel)
            cases.append((f"KernelBench {rel}: Model as ModelNew", source, same_work(source)))
        for rel, (name, call) in KERNELBENCH_ATEN.items():
            source = _kernelbench_file(data, rel)
            cases.append((f"KernelBench {rel}: C++ ATen", source, aten_candidate(name, call)))
            # The same problem with no extension at all: on a quiet machine the softmax's pure
            # torch candidate also came out 0.65x and 0.83x (significant), so a bias here is the
            # candidate's side, not the extension; both rows tell which.
            cases.append((f"KernelBench {rel}: Model as ModelNew", source, same_work(source)))
    return cases


def aten_candidate(name: str, call: str) -> str:
    """A load_inline C++ candidate whose one function returns `call` (an ATen expression in
    x): the reference's own ATen work, so any speedup the judge reports is an artifact."""
    return f'''"""A/A: a load_inline C++ function doing the reference's own ATen work ({call})."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor {name}_forward(torch::Tensor x) {{
    return {call};
}}
"""

ext = load_inline(name="maxcode_bench_{name}_aten", cpp_sources=source, functions=["{name}_forward"],
                  extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.{name}_forward(x)
'''


def _kernelbench_file(data: str, rel: str) -> str:
    path = Path(data) / rel
    if not path.exists():
        path = Path(data) / "KernelBench" / rel
    return path.read_text()


def selected(name: str, words: str | None) -> bool:
    return not words or any(w.strip() and w.strip().lower() in name.lower() for w in words.split(","))


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    console = Console()
    problem = (FIXTURES / "relu_problem.py").read_text()
    backend = make_backend(cfg)
    figures: dict = {"backend": backend.name, "isolation": getattr(backend, "isolation", ""),
                     "timing_processes": cfg.judge.kernel.timing.processes,
                     "sequential": cfg.judge.kernel.timing.sequential}
    words = getattr(args, "cases", None)
    cases = [case for case in aa_cases(getattr(args, "data", None)) if selected(case[0], words)]
    repeat = getattr(args, "repeat", None)
    per_case = repeat or (2 if args.quick else max(10, -(-60 // max(len(cases), 1))))
    detections = repeat or (4 if args.quick else 20)
    try:
        with tempfile.TemporaryDirectory() as cache:
            lenient = make_judge(cfg, backend, cache, checks=UNCHECKED)
            strict = make_judge(cfg, backend, cache)
            kernel = (FIXTURES / "relu_kernel.py").read_text()
            figures["plain_torch"] = _timed(lenient, problem, (FIXTURES / "relu_torch.py").read_text())
            figures["kernel_build_included"] = _timed(strict, problem, kernel)
            figures["kernel_build_excluded"] = _timed(strict, problem, kernel)
            aa: dict[str, list[dict]] = {}
            power_cases = {key: ((KERNELS / f"{stem}_problem.py").read_text(), (KERNELS / f"{stem}_fewer.py").read_text())
                           for key, stem in POWER_CASES.items() if selected(POWER_LABELS[key], words)}
            power: dict[str, list[dict]] = {key: [] for key in power_cases}
            # Round-robin over the cases and the known speedup, so slow drift spreads over all;
            # the figures so far are written after every round (a long bench can be cut short).
            for round_ in range(max(per_case, detections)):
                if round_ < per_case:
                    for name, prob, cand in cases:
                        aa.setdefault(name, []).append(_timed(lenient, prob, cand))
                if round_ < detections:
                    for key, (known, faster) in power_cases.items():
                        power[key].append(_timed(lenient, known, faster))
                figures["aa"] = {name: _summary(rows) for name, rows in aa.items()}
                figures.update({key: _power_summary(rows) for key, rows in power.items()})
                _progress(console, figures, args.json, round_ + 1)
            cached = [r["judge_s"] for rows in [*aa.values(), *power.values()] for r in rows]
            figures["judge_s_per_cached_candidate"] = {
                "median": statistics.median(cached), "min": min(cached), "max": max(cached), "n": len(cached),
            }
    finally:
        backend.close()
    _print(console, figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


def _progress(console: Console, figures: dict, path: str | None, rounds: int) -> None:
    total = sum(s["judgements"] for s in figures["aa"].values())
    false = sum(s["significant"] for s in figures["aa"].values())
    found = "; ".join(f"{POWER_LABELS[key]} detected {figures[key]['detected']}/{figures[key]['judgements']}"
                      for key in POWER_CASES if key in figures)
    console.print(f"round {rounds}: A/A {false}/{total} significant; {found}", style="dim")
    if path:
        Path(path).write_text(json.dumps(figures, indent=2))


def _summary(rows: list[dict]) -> dict:
    speedups = [r["speedup"] for r in rows]
    return {
        "judgements": len(rows),
        "significant": sum(bool(r["significant"]) for r in rows),
        "speedup_median": statistics.median(speedups),
        "speedup_min": min(speedups),
        "speedup_max": max(speedups),
        "ci_rel_width_median": statistics.median((r["speedup_ci"][1] - r["speedup_ci"][0]) / r["speedup"] for r in rows),
        "judge_s_median": statistics.median(r["judge_s"] for r in rows),
        "processes_mean": statistics.mean(r["processes"] or 0 for r in rows),
        "stop_reasons": {reason: sum(r["stop_reason"] == reason for r in rows)
                         for reason in sorted({str(r["stop_reason"]) for r in rows})},
        "rows": rows,
    }


def _power_summary(rows: list[dict]) -> dict:
    return {**_summary(rows), "detected": sum(r["significant"] and r["speedup"] > 1 for r in rows)}


def _print(console: Console, figures: dict) -> None:
    table = Table(title=f"kernel judge on {figures['backend']}: overhead")
    for col in ("case", "judge s", "timed calls s", "build s", "overhead s"):
        table.add_column(col)
    for case in ("plain_torch", "kernel_build_included", "kernel_build_excluded"):
        f = figures[case]
        table.add_row(case, f"{f['judge_s']:.2f}", f"{f['timed_calls_s']:.3f}", f"{f['build_s']:.1f}",
                      f"{f['overhead_s']:.2f}")
    console.print(table)
    stopping = "sequential looks" if figures.get("sequential") else "fixed"
    table = Table(title=f"A/A and power (up to {figures['timing_processes']} timing processes a side, {stopping})")
    for col in ("case", "judgements", "significant", "speedups", "median CI width", "median judge s",
                "processes (mean)"):
        table.add_column(col)
    rows = list(figures["aa"].items()) + [(POWER_LABELS[key], figures[key]) for key in POWER_CASES if key in figures]
    for name, s in rows:
        table.add_row(name, str(s["judgements"]), str(s["significant"]),
                      f"{s['speedup_min']:.3f}-{s['speedup_max']:.3f} (median {s['speedup_median']:.3f})",
                      f"{100 * s['ci_rel_width_median']:.1f}%", f"{s['judge_s_median']:.1f}",
                      f"{s['processes_mean']:.1f}")
    console.print(table)
    total = sum(s["judgements"] for s in figures["aa"].values())
    false = sum(s["significant"] for s in figures["aa"].values())
    w = figures["judge_s_per_cached_candidate"]
    console.print(f"A/A false positives: {false}/{total} = {100 * false / max(total, 1):.1f}% (goal <= 5%)")
    for key in (k for k in POWER_CASES if k in figures):
        console.print(f"{POWER_LABELS[key]} detected: {figures[key]['detected']}/{figures[key]['judgements']} "
                      "(goal >= 95%)")
    console.print(f"judge wall time per cached candidate: median {w['median']:.1f} s "
                  f"(min {w['min']:.1f}, max {w['max']:.1f}, n={w['n']})")
