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

from maxcode.records.errors import BackendUnavailable
from maxcode.sandbox.run_spec import RunSpec, StepResult

SOURCE = Path(__file__).with_name("mcrun.c")
STDERR_CAP = 64 * 1024
CANDIDATE_UID = 1000
SCRATCH = "run"
"""Where a fresh step runs (`Step.fresh`), relative to the workspace: `/work/run` in a sandbox."""

# Text a process prints when an allocation fails under RLIMIT_AS: C++, C/glibc, Python,
# torch. A crash with one of these in stderr is a memory verdict, not a runtime error.
_OOM_MARKERS = (b"std::bad_alloc", b"Cannot allocate memory", b"MemoryError", b"out of memory",
                b"DefaultCPUAllocator: can't allocate memory")


def write_plan(spec: RunSpec, cleanup: tuple[str, ...] = (), oom_counter: bool = False,
               env: dict[str, str] | None = None, warm: bool = False, scrub: tuple[str, ...] = ()) -> str:
    """The plan file; `cleanup` lists directories the runner empties after the run, `scrub`
    those it empties after every fresh step (`Step.fresh`: the sandbox's shared scratch
    places, /tmp and /dev/shm); `oom_counter` when the runner's memory cgroup belongs to
    this sandbox alone; `env` is set in every step's environment (on top of the runner's
    own); `warm` when the sandbox has the runner's zygote (`Step.warm`)."""
    lines: list[str] = [f"oom_counter {int(oom_counter)}", f"scratch {SCRATCH}"]
    lines += [f"scrub {path}" for path in scrub]
    for name, value in (env or {}).items():
        if "\n" in name + value or "=" in name or not name:
            raise ValueError(f"bad environment variable for a step: {name!r}")
        lines.append(f"env {name}={value}")
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
        if step.fresh:
            lines.append("fresh 1")
            for src, name in step.links:
                if "/" in name or " " in src or "\n" in src + name or not name:
                    raise ValueError(f"bad link for a fresh step: {src!r} -> {name!r}")
                lines.append(f"link {src} {name}")
            if step.save:
                lines.append(f"save {step.save}")
        if step.discard_stdout:
            lines.append("discard 1")
        if warm and step.warm:
            if "\n" in step.warm or " " in step.warm:
                raise ValueError(f"bad module list for a warm step: {step.warm!r}")
            lines.append(f"warm {step.warm}")
        for arg in step.argv:
            if "\n" in arg or "\0" in arg:
                raise ValueError(f"step argument contains a newline or NUL: {arg!r}")
            lines.append(f"arg {arg}")
        lines.append("end")
    lines += [f"collect {path}" for path in spec.collect]
    lines += [f"cleanup {path}" for path in cleanup]
    return "\n".join(lines) + "\n"


def parse_results(spec: RunSpec, result_text: str, streams: dict[str, bytes]) -> list[StepResult]:
    """StepResults from mcrun's result file and its captured streams (`stdout.K`...)."""
    rows, digests = {}, {}
    for line in result_text.splitlines():
        fields = line.split()
        if len(fields) == 10:
            rows[int(fields[0])] = [int(f) for f in fields[1:9]]
            digests[int(fields[0])] = None if fields[9] == "-" else fields[9]
    results = []
    for index, step in enumerate(spec.steps):
        row = rows.get(index)
        if row is None:  # the runner itself died (sandbox killed): nothing ran to completion
            results.append(StepResult(label=step.label, exit_code=None, skipped=True))
            continue
        code, sig, timed_out, skipped, wall_ns, cpu_ns, maxrss_kb, oom_kills = row
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
            stdout_digest=digests.get(index),
            saved=streams.get(f"save.{index}"),
        )
        if skipped:
            results.append(result)
            continue
        result.output_exceeded = sig == signal.SIGXFSZ
        cpu_limit = step.limits.cpu_time_s if step.limits.cpu_time_s is not None else step.limits.wall_time_s
        # RLIMIT_CPU ends a spinning process with SIGXCPU (SIGKILL a second later if it
        # ignores that): a time verdict either way.
        result.timed_out = result.timed_out or sig == signal.SIGXCPU or (
            sig == signal.SIGKILL and result.cpu_time_s >= math.ceil(cpu_limit))
        result.memory_exceeded = not result.timed_out and _memory_verdict(
            result, code, sig, oom_kills, step.limits.memory_bytes)
        results.append(result)
    return results


def _memory_verdict(result: StepResult, code: int, sig: int, oom_kills: int, limit: int) -> bool:
    """Did the step fail for lack of memory? The rule, in order:

    1. the memory cgroup counted an OOM kill during the step (docker: exact);
    2. without a cgroup counter (local), a SIGKILL the runner did not send: on a host only
       the kernel's OOM killer sends it (a candidate killing itself this way is misread
       as memory, a harmless direction);
    3. a failed exit with an allocation-failure message (RLIMIT_AS makes malloc fail:
       std::bad_alloc, MemoryError, ENOMEM);
    4. peak resident memory at >= 95% of the limit (RSS cannot pass RLIMIT_AS, so a step
       this close to it was stopped by it, or would have been).
    """
    if oom_kills > 0:
        return True
    if oom_kills < 0 and sig == signal.SIGKILL:
        return True
    if code != 0 and any(marker in result.stderr for marker in _OOM_MARKERS):
        return True
    return result.peak_memory_bytes >= 0.95 * limit


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
