"""Plan and result files of `mcrun` (see mcrun.c for the format), and the step verdicts.

Both backends speak this protocol, so a StepResult means the same thing whichever
backend produced it.
"""

from __future__ import annotations

import hashlib
import math
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from sandbox.backends.base import RunSpec, StepResult
from sandbox.errors import BackendUnavailable

SOURCE = Path(__file__).with_name("mcrun.c")
STDERR_CAP = 64 * 1024
CANDIDATE_UID = 1000

# Text a process prints when an allocation fails under RLIMIT_AS: C++, C/glibc, Python,
# torch. A crash with one of these in stderr is a memory verdict, not a runtime error.
_OOM_MARKERS = (b"std::bad_alloc", b"Cannot allocate memory", b"MemoryError", b"out of memory",
                b"DefaultCPUAllocator: can't allocate memory")


def write_plan(spec: RunSpec) -> str:
    lines: list[str] = []
    for step in spec.steps:
        lim = step.limits
        cpu = lim.cpu_time_s if lim.cpu_time_s is not None else lim.wall_time_s
        lines += [
            "step",
            f"wall_ms {max(1, int(lim.wall_time_s * 1000))}",
            f"cpu_s {max(1, math.ceil(cpu))}",
            f"mem {int(lim.memory_bytes)}",
            f"nproc {int(lim.max_processes)}",
            f"fsize {int(lim.output_bytes)}",
            f"stop {1 if step.stop_on_failure else 0}",
            f"stdin {step.stdin or '-'}",
            f"stdout {step.stdout or '-'}",
        ]
        for arg in step.argv:
            if "\n" in arg or "\0" in arg:
                raise ValueError(f"step argument contains a newline or NUL: {arg!r}")
            lines.append(f"arg {arg}")
        lines.append("end")
    lines += [f"collect {path}" for path in spec.collect]
    return "\n".join(lines) + "\n"


def parse_results(spec: RunSpec, result_text: str, streams: dict[str, bytes]) -> list[StepResult]:
    """StepResults from mcrun's result file and its captured streams (`stdout.K`...)."""
    rows = {}
    for line in result_text.splitlines():
        fields = line.split()
        if len(fields) == 8:
            rows[int(fields[0])] = [int(f) for f in fields[1:]]
    results = []
    for index, step in enumerate(spec.steps):
        row = rows.get(index)
        if row is None:  # the runner itself died (sandbox killed): nothing ran to completion
            results.append(StepResult(label=step.label, exit_code=None, skipped=True))
            continue
        code, sig, timed_out, skipped, wall_ns, cpu_ns, maxrss_kb = row
        stderr = streams.get(f"stderr.{index}", b"")[:STDERR_CAP]
        result = StepResult(
            label=step.label,
            exit_code=None if code < 0 else code,
            signal=sig or None,
            timed_out=bool(timed_out),
            skipped=bool(skipped),
            wall_time_s=wall_ns / 1e9,
            cpu_time_s=cpu_ns / 1e9,
            peak_memory_bytes=maxrss_kb * 1024,
            stdout=streams.get(f"stdout.{index}", b"")[: step.limits.output_bytes],
            stderr=stderr,
        )
        if skipped:
            results.append(result)
            continue
        result.output_exceeded = sig == signal.SIGXFSZ
        # RLIMIT_CPU ends a spinning process with SIGXCPU (then SIGKILL): a time verdict.
        result.timed_out = result.timed_out or sig == signal.SIGXCPU
        failed = code != 0
        result.memory_exceeded = not result.timed_out and (
            # SIGKILL that the runner did not send: the cgroup's OOM killer.
            sig == signal.SIGKILL
            or (failed and any(m in stderr for m in _OOM_MARKERS))
            or result.peak_memory_bytes >= 0.95 * step.limits.memory_bytes
        )
        results.append(result)
    return results


def build_host_runner(cache_dir: Path) -> Path:
    """Compile mcrun for this host once per source version; returns the binary's path."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    binary = cache_dir / f"mcrun-{digest}"
    if binary.exists():
        return binary
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".mcrun-")
    os.close(fd)
    try:
        subprocess.run(["cc", "-O2", "-o", tmp, str(SOURCE)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        os.unlink(tmp)
        raise BackendUnavailable(
            f"cannot build the sandbox runner with the host C compiler: {exc}",
            "install a C compiler (apt-get install -y gcc)",
        ) from exc
    os.chmod(tmp, 0o755)
    os.replace(tmp, binary)  # atomic: concurrent builders agree on one file
    return binary
