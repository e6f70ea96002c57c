"""Kernel candidates: time per operator (torch.profiler) and a roofline verdict.

Both measurements run in the sandbox (`scripts/profile_kernel.py`, `scripts/measure_peaks.py`).
The machine's peaks (copy bandwidth, fp32 matmul rate) are measured once per backend,
device and CPU, and cached in a JSON file. The roofline uses the least traffic a kernel can
have (read every input once, write every output once) and the profiler's FLOP count, or one
FLOP per output element when the profiler counts none (elementwise kernels).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxcode.records.diagnosis import Finding
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.run_spec import GiB, Limits, RunSpec, Step

log = logging.getLogger(__name__)

SCRIPTS = Path(__file__).parent / "scripts"
# The profiler scope the script puts around each forward call; its self time is the time
# spent outside aten operators: the candidate's own (load_inline) kernels and Python glue.
FORWARD_SCOPE = "ModelNew.forward"
CUSTOM_CODE = "custom code in ModelNew.forward (outside aten ops)"


@dataclass
class Peaks:
    bandwidth_bytes_per_s: float
    flops_per_s: float


def _run_script(
    backend: Backend,
    script: str,
    argv: list[str],
    files: dict[str, bytes | Path],
    output: str,
    image: str,
    timeout_s: float,
) -> dict[str, Any] | None:
    spec = RunSpec(
        steps=[
            Step(
                argv=["python3", script, *argv],
                limits=Limits(wall_time_s=timeout_s, memory_bytes=16 * GiB, max_processes=256),
                label=script,
            )
        ],
        files={script: SCRIPTS / script, **files},
        collect=[output],
        image=image,
    )
    result = backend.run(spec)
    data = result.files.get(output)
    if not data:
        log.warning(
            "%s produced nothing: %s",
            script,
            result.steps[0].stderr.decode(errors="replace")[-400:],
        )
        return None
    return json.loads(data)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def measure_peaks(
    backend: Backend,
    device: str = "cpu",
    image: str = "kernel-cpu",
    cache_path: str | Path | None = None,
    timeout_s: float = 120.0,
) -> Peaks | None:
    """The machine's copy bandwidth and matmul rate, from the cache or measured once."""
    key = f"{backend.name}|{backend.toolchain_id(image)}|{device}|{_cpu_model()}|{os.cpu_count()}"
    path = Path(cache_path) if cache_path else None
    cached: dict[str, Any] = {}
    if path and path.is_file():
        cached = json.loads(path.read_text())
        if key in cached:
            return Peaks(**cached[key])
    record = _run_script(backend, "measure_peaks.py", [device], {}, "peaks.json", image, timeout_s)
    if record is None:
        return None
    peaks = Peaks(
        bandwidth_bytes_per_s=record["bandwidth_bytes_per_s"], flops_per_s=record["flops_per_s"]
    )
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        cached[key] = {
            "bandwidth_bytes_per_s": peaks.bandwidth_bytes_per_s,
            "flops_per_s": peaks.flops_per_s,
        }
        path.write_text(json.dumps(cached, indent=1))
    return peaks


def profile_kernel(
    backend: Backend,
    problem_source: str,
    candidate_source: str,
    device: str = "cpu",
    image: str = "kernel-cpu",
    iterations: int = 5,
    timeout_s: float = 300.0,
) -> dict[str, Any] | None:
    """Per-operator times of the candidate on the problem's inputs (see the script)."""
    files: dict[str, bytes | Path] = {
        "problem.py": problem_source.encode(),
        "candidate.py": candidate_source.encode(),
    }
    return _run_script(
        backend,
        "profile_kernel.py",
        [device, str(iterations)],
        files,
        "profile.json",
        image,
        timeout_s,
    )


def roofline(profile: dict[str, Any], peaks: Peaks) -> dict[str, Any]:
    """Achieved rates, the bound the kernel sits under, and how close it gets to it."""
    seconds = profile["time_per_call_s"]
    traffic = profile["input_bytes"] + profile["output_bytes"]
    counted = sum(op["flops"] for op in profile["ops"])
    flops = counted or float(profile["output_numel"])
    intensity = flops / max(traffic, 1)
    memory_s, compute_s = traffic / peaks.bandwidth_bytes_per_s, flops / peaks.flops_per_s
    bound = "memory" if memory_s >= compute_s else "compute"
    return {
        "time_per_call_s": seconds,
        "min_bytes": traffic,
        "flops": flops,
        "flops_counted_by_profiler": bool(counted),
        "arithmetic_intensity": intensity,
        "ridge_intensity": peaks.flops_per_s / peaks.bandwidth_bytes_per_s,
        "achieved_bandwidth_bytes_per_s": traffic / seconds,
        "achieved_flops_per_s": flops / seconds,
        "peak_bandwidth_bytes_per_s": peaks.bandwidth_bytes_per_s,
        "peak_flops_per_s": peaks.flops_per_s,
        "bound": bound,
        "fraction_of_bound": max(memory_s, compute_s) / seconds,
    }


def analyze_kernel_profile(profile: dict[str, Any], peaks: Peaks | None) -> list[Finding]:
    """Findings: the operators that take the time, and the roofline verdict."""
    key = "self_device_us" if profile["device"] == "cuda" else "self_cpu_us"
    total = sum(op[key] for op in profile["ops"] if op["name"] != "ProfilerStep*") or 1.0
    ops = [
        {**op, "name": CUSTOM_CODE if op["name"] == FORWARD_SCOPE else op["name"]}
        for op in profile["ops"]
    ]
    ops.sort(key=lambda op: -op[key])
    top = [op for op in ops if op[key] > 0][:4]
    ops_text = ", ".join(f"{op['name']} {op[key]:.0f} µs ({op[key] / total:.0%})" for op in top)
    findings = [
        Finding(
            analyzer="kernel_profile",
            summary=f"torch.profiler, per call ({profile['time_per_call_s'] * 1e3:.3f} ms on {profile['device']}, {profile['threads']} threads): {ops_text}.",
            data={
                "time_per_call_s": profile["time_per_call_s"],
                "device": profile["device"],
                "ops": top,
            },
        )
    ]
    if peaks is None:
        return findings
    r = roofline(profile, peaks)
    gbs, peak_gbs = r["achieved_bandwidth_bytes_per_s"] / 1e9, r["peak_bandwidth_bytes_per_s"] / 1e9
    gfs, peak_gfs = r["achieved_flops_per_s"] / 1e9, r["peak_flops_per_s"] / 1e9
    verdict = f"{r['bound']}-bound (intensity {r['arithmetic_intensity']:.2f} FLOP/byte vs ridge {r['ridge_intensity']:.1f})"
    summary = (
        f"Roofline: {verdict}; achieved {gbs:.1f} GB/s of {peak_gbs:.1f} GB/s measured peak and "
        f"{gfs:.1f} GFLOP/s of {peak_gfs:.1f}; at {r['fraction_of_bound']:.0%} of its bound."
    )
    if r["fraction_of_bound"] < 0.3:
        summary += " Far below the bound: the limit is the kernel's own code (scalar, single-threaded or strided access), not the machine."
    elif r["bound"] == "memory":
        summary += " Gains must come from moving fewer bytes: fuse passes, avoid temporaries, read each input once."
    else:
        summary += " Gains must come from doing the arithmetic faster: vectorize, block for cache/registers, use all cores."
    findings.append(Finding(analyzer="roofline", summary=summary, data=r))
    return findings
