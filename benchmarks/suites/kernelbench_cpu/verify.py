"""Developer check of the kernelbench-cpu suite, outside the judge.

For every problem: import the reference and its CPU variants in this process, check
`cpu.py` and `slow.py` against the reference (allclose at 1e-2 and at 1e-4), check that
`wrong.py` is rejected at 1e-2, and time eager / cpu / slow interleaved (median of repeated
runs). With `--nvcc`, compile every `cuda.py`'s `cuda_source` with the local nvcc instead.

This is a maintainer's tool, not the judge: it runs candidate code in its own process and
trusts it. The product's verdicts come from `maxcode suite check`.

Run with:
    python benchmarks/suites/kernelbench_cpu/verify.py [--only level1/1_ReLU] [--json out.json]
    python benchmarks/suites/kernelbench_cpu/verify.py --nvcc
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger("kernelbench_cpu.verify")

SUITE_ROOT = Path(__file__).resolve().parent
MODEL_SEED = 42
"""Seed set before building Model and each ModelNew, so that their parameters agree."""
INPUT_SEEDS = (0, 1, 2)
"""One correctness trial per seed, each on fresh inputs."""


@dataclass
class Row:
    problem: str
    eager_ms: float = float("nan")
    cpu_ms: float = float("nan")
    slow_ms: float = float("nan")
    cpu_max_abs_err: float = float("nan")
    cpu_ok_1e2: bool = False
    cpu_ok_1e4: bool = False
    slow_ok_1e2: bool = False
    wrong_rejected_1e2: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def cpu_speedup(self) -> float:
        return self.eager_ms / self.cpu_ms

    @property
    def slow_speedup(self) -> float:
        return self.eager_ms / self.slow_ms


def import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def problems(only: list[str]) -> list[Path]:
    found = sorted(
        SUITE_ROOT.glob("level*/*.py"),
        key=lambda p: (int(p.parent.name[5:]), int(p.name.split("_", 1)[0])),
    )
    keys = [f"{p.parent.name}/{p.stem}" for p in found]
    return [p for p, k in zip(found, keys, strict=True) if not only or k in only]


def build(module: ModuleType, cls: str, init: list[Any]) -> Any:
    import torch

    torch.manual_seed(MODEL_SEED)
    return getattr(module, cls)(*init)


def compare(ref_model: Any, new_model: Any, ref: ModuleType) -> tuple[float, bool, bool]:
    """Max abs error over the trials, and whether every trial passes at 1e-2 and at 1e-4."""
    import torch

    worst, ok2, ok4 = 0.0, True, True
    for seed in INPUT_SEEDS:
        torch.manual_seed(seed)
        inputs = ref.get_inputs()
        with torch.no_grad():
            expected = ref_model(*[t.clone() for t in inputs])
            got = new_model(*[t.clone() for t in inputs])
        if got.shape != expected.shape:
            return float("inf"), False, False
        worst = max(worst, (got - expected).abs().max().item())
        ok2 &= torch.allclose(got, expected, atol=1e-2, rtol=1e-2)
        ok4 &= torch.allclose(got, expected, atol=1e-4, rtol=1e-4)
    return worst, ok2, ok4


def time_interleaved(models: dict[str, Any], inputs: list[Any], rounds: int) -> dict[str, float]:
    """Median wall time in ms per model; models alternate inside each round (A/B/C/A/B/C)."""
    import torch

    samples: dict[str, list[float]] = {k: [] for k in models}
    with torch.no_grad():
        for m in models.values():
            for _ in range(2):
                m(*inputs)
        for _ in range(rounds):
            for key, m in models.items():
                t0 = time.perf_counter()
                m(*inputs)
                samples[key].append((time.perf_counter() - t0) * 1e3)
    return {k: statistics.median(v) for k, v in samples.items()}


def verify_problem(path: Path, rounds: int) -> Row:
    import torch

    key = f"{path.parent.name}/{path.stem}"
    row = Row(problem=key)
    tag = key.replace("/", "_")
    ref = import_file(path, f"kbref_{tag}")
    init = ref.get_init_inputs()
    ref_model = build(ref, "Model", init)
    vdir = SUITE_ROOT / "variants" / key
    timed: dict[str, Any] = {"eager": ref_model}
    for variant in ("cpu", "slow", "wrong"):
        try:
            t0 = time.perf_counter()
            mod = import_file(vdir / f"{variant}.py", f"kbvar_{tag}_{variant}")
            log.info(
                "%s/%s imported (build or cache) in %.1f s", key, variant, time.perf_counter() - t0
            )
            new_model = build(mod, "ModelNew", init)
            err, ok2, ok4 = compare(ref_model, new_model, ref)
        except Exception as exc:  # a broken variant is a finding to report, not a crash
            row.errors.append(f"{variant}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if variant == "cpu":
            row.cpu_max_abs_err, row.cpu_ok_1e2, row.cpu_ok_1e4 = err, ok2, ok4
            timed["cpu"] = new_model
        elif variant == "slow":
            row.slow_ok_1e2 = ok2
            timed["slow"] = new_model
        else:
            row.wrong_rejected_1e2 = not ok2
    torch.manual_seed(INPUT_SEEDS[0])
    medians = time_interleaved(timed, ref.get_inputs(), rounds)
    row.eager_ms = medians["eager"]
    row.cpu_ms = medians.get("cpu", float("nan"))
    row.slow_ms = medians.get("slow", float("nan"))
    return row


def table(rows: list[Row]) -> str:
    head = (
        f"{'problem':28} {'eager ms':>9} {'cpu ms':>8} {'cpu x':>6} {'slow ms':>9} {'slow x':>7}"
        f" {'cpu maxerr':>10} {'cpu@1e-2':>8} {'cpu@1e-4':>8} {'slow ok':>7} {'wrong rej':>9}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.problem:28} {r.eager_ms:9.2f} {r.cpu_ms:8.2f} {r.cpu_speedup:6.2f}"
            f" {r.slow_ms:9.2f} {r.slow_speedup:7.2f} {r.cpu_max_abs_err:10.2e}"
            f" {str(r.cpu_ok_1e2):>8} {str(r.cpu_ok_1e4):>8} {str(r.slow_ok_1e2):>7}"
            f" {str(r.wrong_rejected_1e2):>9}"
        )
        lines.extend(f"    ERROR {e}" for e in r.errors)
    return "\n".join(lines)


def cuda_source_of(path: Path) -> str:
    """The module-level `cuda_source` string constant of a cuda.py, read without importing."""
    for node in ast.parse(path.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "cuda_source" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ValueError(f"{path}: no module-level string constant `cuda_source`")


def nvcc_check(only: list[str]) -> bool:
    """Compile every cuda.py's kernels with nvcc and the torch headers (object code only).

    The torch headers dominate nvcc's time (minutes per file on a loaded 2-core machine), so
    all sources go into one translation unit: the `#include` lines once at the top, each
    problem's source in its own namespace. A failure is mapped back to the problem by line.
    """
    from torch.utils.cpp_extension import include_paths

    py_inc = f"{sys.base_prefix}/include/python3.{sys.version_info.minor}"
    incs = [f"-I{p}" for p in include_paths()] + [f"-I{py_inc}"]
    includes: list[str] = []
    body: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for path in problems(only):
        key = f"{path.parent.name}/{path.stem}"
        source = cuda_source_of(SUITE_ROOT / "variants" / key / "cuda.py")
        lines = source.splitlines()
        includes += [ln for ln in lines if ln.startswith("#include") and ln not in includes]
        code = [ln for ln in lines if not ln.startswith("#include")]
        namespace = "kb_" + key.replace("/", "_")
        body.append(f"namespace {namespace} {{")
        first = len(body) + 1
        body += code
        spans.append((first, len(body), key))
        body.append(f"}}  // namespace {namespace}")
    offset = len(includes)
    unit = "\n".join(includes + body) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        cu = Path(tmp) / "all_kernels.cu"
        cu.write_text(unit)
        cmd = [
            "nvcc",
            "-c",
            "-x",
            "cu",
            "-std=c++17",
            "-O3",
            "-arch=sm_90",
            *incs,
            "-DTORCH_EXTENSION_NAME=kb_check",
            str(cu),
            "-o",
            str(cu.with_suffix(".o")),
        ]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        log.info(
            "nvcc %s: %d problems in one unit, rc=%d (%.0f s)",
            subprocess.run(["nvcc", "--version"], capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1],
            len(spans),
            proc.returncode,
            time.perf_counter() - t0,
        )
        failed = set()
        # nvcc reports `file.cu(LINE): error`, the host compiler `file.cu:LINE:COL: error`.
        for match in re.finditer(r"all_kernels\.cu[:(](\d+)", proc.stderr + proc.stdout):
            lineno = int(match.group(1)) - offset
            failed |= {key for first, last, key in spans if first <= lineno <= last}
        if proc.returncode != 0:
            log.info("%s", (proc.stderr or proc.stdout)[-4000:])
        for _, _, key in spans:
            ok = proc.returncode == 0 or (bool(failed) and key not in failed)
            log.info("nvcc %-28s %s", key, "ok" if ok else "FAILED")
    return proc.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="problem keys, e.g. level1/1_ReLU")
    parser.add_argument("--rounds", type=int, default=21, help="timed rounds per model")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--nvcc", action="store_true", help="compile the cuda.py kernels instead")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.nvcc:
        return 0 if nvcc_check(args.only) else 1
    rows = []
    for path in problems(args.only):
        rows.append(verify_problem(path, args.rounds))
        log.info("%s", table(rows[-1:]))
    log.info("\n%s", table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
