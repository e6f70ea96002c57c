"""GPU proof of the kernel judge in one command: CUDA A/A, a known speedup, the CUDA exploits, real RL-written kernels.

Made for the day a GPU is lent (a short lease, no internet, often no Docker): every part runs
within one time budget (`--budget-s`, default 450 s, so the whole command stays under 8
minutes with start-up) and the figures are written to `--json` after every judgement, so a
lease cut short still leaves them. Parts, in order of what they prove:

1. A/A on CUDA: identical work both sides, judged `--repeat` times each. The problem's own
   Model as ModelNew (no extension), and a load_inline C++ candidate calling the reference's
   own ATen op (the extension side's bias seen on CPU). Every significant verdict is a false
   positive; the median should sit within 0.97-1.03.
2. A known speedup on CUDA: 13 ReLU passes against 10 (1.3x, memory-bound), judged
   `--repeat` times; then the shipped CUDA ReLU kernel (`relu_cuda.py`), one nvcc build.
3. The CUDA exploits with the static checks off, so the dynamic defences decide: work on a
   side stream (device-wide synchronize inside the timed interval), patched timers, TF32,
   cached outputs replayed (L2 and all), lazy or aliased outputs, mutated inputs. A verdict
   outside the allowed set is a judge bug, listed.
4. With `--data DIR` (a CUDA-L1 checkout: `optimized_cuda_code/<gpu>.json`, the RL-written
   kernels users cite): the first `--sample` tasks that have a kernel, judged with
   KernelBench's own static policy (`static_checks=kernelbench`); each row has our verdict
   and speedup next to the figure CUDA-L1 reports.

Run on the GPU machine: `maxcode bench gpu sandbox=local --json gpu.json [--data CUDA-L1]`.
Without a CUDA device it says so and exits 2 (nothing to prove on a CPU).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from omegaconf import DictConfig
from rich.console import Console

from maxcode.judging import make_backend
from maxcode.selfbench.kernel_judge import FIXTURES, KERNELS, UNCHECKED, make_judge, same_work

EXPLOITS = FIXTURES.parent / "exploits"
# exploit -> the statuses a correct judge may give it on a GPU with the static checks off
# (each file's docstring says why). "ok<3" means judged correct, but no inflated claim.
CUDA_EXPLOITS = {
    "side_stream.py": {"ok<3", "rejected"},
    "patch_timers.py": {"ok<3"},
    "allow_tf32.py": {"rejected", "wrong_answer"},
    "replay_cached_output.py": {"rejected"},
    "warmup_only.py": {"rejected"},
    "late_thread.py": {"ok<3", "rejected", "wrong_answer", "runtime_error"},
    "mutate_inputs.py": {"rejected"},
    "uninitialized_output.py": {"wrong_answer"},
    "expanded_view.py": {"rejected"},
    "fp16_compute.py": {"rejected"},
}
CUDA_L1_FILES = ("h100.json", "h100_xsm.json", "a100.json", "l40.json", "rtx_3090.json")


class Budget:
    """The command's time budget: a part asks before each judgement."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    import torch

    console = Console()
    if not torch.cuda.is_available():
        console.print("bench gpu: no CUDA device on this machine; run it where `torch.cuda.is_available()`")
        return 2
    budget = Budget(getattr(args, "budget_s", None) or 450.0)
    repeat = getattr(args, "repeat", None) or (2 if args.quick else 5)
    figures: dict = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "parts": {}}
    backend = make_backend(cfg)
    figures["backend"] = backend.name
    out = Path(args.json) if args.json else None
    try:
        with tempfile.TemporaryDirectory() as cache:
            lenient = make_judge(cfg, backend, cache, device="cuda", checks=UNCHECKED)
            relu = (FIXTURES / "relu_problem.py").read_text()
            softmax = (KERNELS / "softmax_problem.py").read_text()
            aa = [("relu: Model as ModelNew", relu, same_work(relu)),
                  ("relu: C++ at::relu", relu, (KERNELS / "relu_aten_kernel.py").read_text()),
                  ("softmax: C++ at::softmax", softmax, (KERNELS / "softmax_aten_kernel.py").read_text())]
            parts = figures["parts"]
            for name, problem, candidate in aa:
                rows = parts.setdefault("aa", {}).setdefault(name, [])
                for _ in range(repeat):
                    if budget.left() < 30:
                        break
                    rows.append(_judged(lenient, problem, candidate))
                    _save(out, figures)
            known = ((KERNELS / "relu_passes_problem.py").read_text(), (KERNELS / "relu_passes_fewer.py").read_text())
            rows = parts.setdefault("known_1_3x", [])
            for _ in range(repeat):
                if budget.left() < 30:
                    break
                rows.append(_judged(lenient, *known))
                _save(out, figures)
            if budget.left() > 150:  # an nvcc build of torch's headers takes about a minute
                strict = make_judge(cfg, backend, cache, device="cuda")
                parts["relu_cuda_kernel"] = _judged(strict, relu, (FIXTURES / "relu_cuda.py").read_text())
                _save(out, figures)
            exploits = parts.setdefault("exploits", {})
            for name, allowed in CUDA_EXPLOITS.items():
                if budget.left() < 20:
                    break
                row = _judged(lenient, relu, (EXPLOITS / name).read_text())
                row["verdict"] = "ok<3" if row["status"] == "ok" and (row["speedup"] or 0) < 3 else row["status"]
                row["judge_bug"] = row["verdict"] not in allowed
                exploits[name] = row
                _save(out, figures)
            if getattr(args, "data", None):
                kernelbench = make_judge(cfg, backend, cache, device="cuda", checks={"static": "kernelbench"})
                parts["cuda_l1"] = _cuda_l1(kernelbench, args.data, getattr(args, "sample", None) or 6,
                                            budget, out, figures)
    finally:
        backend.close()
    _summarize(figures)
    _save(out, figures)
    console.print_json(json.dumps(figures["summary"]))
    return 0


def _judged(judge, problem: str, candidate: str) -> dict:
    started = time.perf_counter()
    ev = judge.evaluate(problem, candidate)
    return {"status": ev.status.value, "speedup": ev.speedup, "speedup_ci": ev.speedup_ci,
            "significant": ev.significant, "message": ev.message[:300],
            "processes": ev.details.get("timing_processes"), "stop_reason": ev.details.get("stop_reason"),
            "judge_s": round(time.perf_counter() - started, 2)}


def _cuda_l1(judge, data: str, sample: int, budget: Budget, out: Path | None, figures: dict) -> list[dict]:
    root = Path(data)
    found = [root / "optimized_cuda_code" / name for name in CUDA_L1_FILES]
    path = next((p for p in found if p.exists()), None)
    if path is None:
        raise FileNotFoundError(f"--data {data}: no optimized_cuda_code/{{{','.join(CUDA_L1_FILES)}}}")
    rows: list[dict] = []
    figures["parts"]["cuda_l1_file"] = str(path)
    with path.open() as lines:
        for line in lines:
            if len(rows) >= sample or budget.left() < 60:
                break
            entry = json.loads(line)
            if not entry.get("custom_code"):
                continue
            row = _judged(judge, entry["ref_code"], entry["custom_code"])
            row.update(task=f"level{entry['level_id']}/{entry['task_id']}", reported=entry.get("score_default"))
            rows.append(row)
            figures["parts"]["cuda_l1"] = rows
            _save(out, figures)
    return rows


def _summarize(figures: dict) -> None:
    parts = figures["parts"]
    headline: dict = {}
    for name, rows in parts.get("aa", {}).items():
        if rows:
            headline[f"aa {name}"] = {"judgements": len(rows), "significant": sum(bool(r["significant"]) for r in rows),
                                     "median": statistics.median(r["speedup"] or 0 for r in rows)}
    known = parts.get("known_1_3x") or []
    if known:
        headline["known 1.3x detected"] = f"{sum(bool(r['significant']) and r['speedup'] > 1 for r in known)}/{len(known)}"
    if "relu_cuda_kernel" in parts:
        headline["relu_cuda_kernel"] = {k: parts["relu_cuda_kernel"][k] for k in ("status", "speedup", "speedup_ci")}
    bugs = [name for name, row in parts.get("exploits", {}).items() if row["judge_bug"]]
    headline["exploits"] = {"judged": len(parts.get("exploits", {})), "judge_bugs": bugs}
    if parts.get("cuda_l1"):
        headline["cuda_l1"] = [{k: r[k] for k in ("task", "status", "speedup", "reported")} for r in parts["cuda_l1"]]
    figures["summary"] = headline


def _save(out: Path | None, figures: dict) -> None:
    if out:
        out.write_text(json.dumps(figures, indent=2, default=str))
