"""The kernel judge's settings, one object per stage, each built by Hydra (conf/judge/default.yaml).

    KernelChecks   what a candidate must pass before it is timed (static rules, tolerances)
    KernelTiming   how much the timing stage measures and when it may stop
    KernelLimits   what one sandboxed side may spend
    Reverification (reverify.py) when and how a large claim is measured again

Each validates itself when built, so a bad override fails at start-up with the field's name,
not as an odd verdict halfway through a search.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from maxcode.sandbox.judges.kernel import static_checks
from maxcode.sandbox.run_spec import GiB, MiB


@dataclass(frozen=True)
class KernelChecks:
    """Correctness: every call of the candidate against the reference's, and the static rules."""

    correctness_trials: int = 5
    """Calls on fresh inputs in each side's correctness process."""
    atol: float = 1e-2
    """allclose tolerance (KernelBench's); a task's own Tolerance overrides atol and rtol."""
    rtol: float = 1e-2
    max_rel_error_fp32: float = 1e-4
    """fp32 outputs must also agree to this relative L2 error (catches fp16/bf16 compute)."""
    static: str = "strict"
    """Static-check preset: strict | lenient | kernelbench | off (static_checks.PRESETS)."""
    require_custom_kernel: bool = True
    """Reject candidates without a load_inline kernel, or that call the op they replace."""
    max_saved_output_bytes: int = 256 * MiB
    """Correctness outputs kept whole per process; calls past this are checked by random
    projections (published KernelBench outputs reach 268 MB and more, and the sandbox's
    workspace is a fixed-size tmpfs)."""

    def __post_init__(self) -> None:
        if self.static not in static_checks.PRESETS:
            raise ValueError(f"judge.kernel.checks.static must be one of {sorted(static_checks.PRESETS)}, "
                             f"got {self.static!r}")
        if self.correctness_trials < 1:
            raise ValueError("judge.kernel.checks.correctness_trials must be >= 1")


@dataclass(frozen=True)
class KernelTiming:
    """The timing stage: processes per side, trials per process, and the stopping rule."""

    processes: int = 6
    """Timing processes per side at most, in ABBA order; the interval is over processes. Even,
    so each side goes first equally often (3 was biased: a round's second process runs slower)."""
    sequential: bool = True
    """Look after every second process a side and stop once the interval decides, with alpha
    spent over the looks (sandbox/timing/sequential.py). False: one fixed-n interval."""
    min_relative_change: float = 0.01
    """No-change band: a speedup is claimed only when the interval clears [1/(1+m), 1+m]."""
    time_target_s: float = 1.5
    """CPU: each side's timed trials fill about this much of the reference's trial time (call
    and harness work), split over the processes, within [min_trials, max_trials]."""
    warmup_trials: int | None = None
    """None: 3 on GPU (KernelBench), 2 on CPU."""
    min_trials: int | None = None
    """None: 100 on GPU (KernelBench's fixed count), 10 on CPU."""
    max_trials: int | None = None
    """None: 100 on GPU, 50 on CPU."""
    threads: int | None = None
    """Intra-op threads (and OMP_NUM_THREADS) of both sides. None: on CPU every usable core
    but one (a call waits for its slowest thread, and with every core timed one was
    descheduled now and then); on CUDA torch's default."""
    compile_baseline: bool = False
    """Also time the reference through torch.compile (Evaluation.speedup_vs_compile). Off in
    searches (a compile per problem); `maxcode eval` turns it on."""

    def __post_init__(self) -> None:
        if self.processes < 1:
            raise ValueError("judge.kernel.timing.processes must be >= 1")
        if self.threads is not None and self.threads < 1:
            raise ValueError("judge.kernel.timing.threads must be >= 1 (or null for the default)")
        if self.min_trials is not None and self.max_trials is not None and self.min_trials > self.max_trials:
            raise ValueError("judge.kernel.timing.min_trials must not exceed max_trials")

    def for_device(self, device: str) -> KernelTiming:
        """These settings with every `None` resolved for `device` (cpu or cuda)."""
        gpu = device == "cuda"
        return dataclasses.replace(
            self,
            warmup_trials=self.warmup_trials if self.warmup_trials is not None else (3 if gpu else 2),
            min_trials=self.min_trials if self.min_trials is not None else (100 if gpu else 10),
            max_trials=self.max_trials if self.max_trials is not None else (100 if gpu else 50),
            # GPU: KernelBench's fixed trial count, not a time target.
            time_target_s=0.0 if gpu else self.time_target_s,
            threads=self.threads if self.threads is not None else default_threads(device),
        )


@dataclass(frozen=True)
class KernelLimits:
    """What one sandboxed side may spend."""

    build_timeout_s: float = 300.0
    """The candidate's correctness process, which builds its extension (cached by content)."""
    run_timeout_s: float = 120.0
    """Every other process of a side."""
    memory_bytes: int = 16 * GiB

    def __post_init__(self) -> None:
        if min(self.build_timeout_s, self.run_timeout_s) <= 0 or self.memory_bytes <= 0:
            raise ValueError("judge.kernel.limits: timeouts and memory must be positive")


def default_threads(device: str) -> int | None:
    """Intra-op threads both sides time with: on CPU, every usable core but one.

    The judge, the sandbox engine and the machine keep running while a side is timed; with
    as many threads as cores one of them is descheduled now and then and the whole call
    waits for it (measured on 2 cores, identical convolutions: 2 threads gave processes
    5.0-6.6 ms and intervals of +-6-15%, 1 thread 9.4-10.1 ms and +-3%). On CUDA the
    kernels run on the GPU: torch's default.
    """
    if device != "cpu":
        return None
    return max(1, len(os.sched_getaffinity(0)) - 1)
