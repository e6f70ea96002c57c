"""Instruction-count timing: deterministic, noise-free comparisons.

Each program runs once per input under a counter, and the counts are summed over inputs.
Two counters exist:
- `perf`: `perf stat -e instructions:u`, the hardware counter (user-space instructions).
  Needs perf in the image and a kernel/container that exposes counters; Docker's default
  seccomp profile and most VMs do not, so it is probed once per backend and image.
- `callgrind`: valgrind's callgrind counts executed instructions (event `Ir`) in a
  simulated CPU. It is 20-100x slower than a bare run but exactly repeatable for a
  deterministic program, whatever else the machine is doing.

`counter: auto` uses perf when the probe finds working counters, else callgrind. The
speedup is baseline / candidate instructions; its interval is the point itself (there is
no noise to bound) and it is called significant when it differs from 1 by more than
`min_relative_change`.

What it trusts: the count comes from a counter that runs in the program's own process
(callgrind is the program's CPU, simulated; perf is a wrapper whose file the program could
reach). A program's runs cannot touch the other program's count (each run has a scratch of
its own, emptied before the next), but a program can lower its own count, e.g. with
callgrind's client requests that switch collection off. Counts are for deterministic,
noise-free comparisons of programs you trust; `timing=wall`, timed by the runner outside
every candidate process, is the judge for programs you do not.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import replace
from pathlib import Path

from maxcode.sandbox.run_spec import Limits, RunResult, RunSpec, Sandbox, Step
from maxcode.sandbox.timing.base import (
    BASELINE,
    CANDIDATE,
    Measurement,
    ProgramRuns,
    TimingFailure,
    TimingJob,
    timed_failure,
)
from maxcode.sandbox.timing.stats import SpeedupEstimate

log = logging.getLogger(__name__)

COUNTERS = ("auto", "perf", "callgrind")
_PERF_EVENT = "instructions:u"
# callgrind writes `summary: N` (older releases `totals: N`) for the event Ir.
_CALLGRIND_TOTAL = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)
# perf stat -x, writes `value,unit,event,...`; unsupported counters print `<not supported>`.
_PERF_LINE = re.compile(rb"^(\d+),[^,]*," + re.escape(_PERF_EVENT.encode()), re.MULTILINE)


# Valgrind's client-request preamble on x86-64 (valgrind.h): rotations of rdi that add up to
# nothing, which valgrind's JIT recognises and a real CPU runs as a no-op. A program that
# contains it can tell callgrind to stop counting (CALLGRIND_TOGGLE_COLLECT and friends).
_CLIENT_REQUEST = bytes.fromhex("48c1c70348c1c70d48c1c73d48c1c733")


def talks_to_the_counter(binary: Path) -> bool:
    """Does the binary carry valgrind client requests? Such a program can switch callgrind's
    counting off around its work; its count would be a claim it chose. (A program that
    writes the sequence at run time, JIT-style, is not seen: see the module doc.)"""
    return _CLIENT_REQUEST in binary.read_bytes()


class InstructionTimer:
    """Counts user-space instructions of both programs over every input."""

    mode = "instructions"

    def __init__(
        self,
        counter: str = "auto",
        repeats: int = 1,
        slowdown_factor: float = 50.0,
        extra_memory_bytes: int = 1 << 30,
        min_relative_change: float = 0.0,
        seed: int = 0,
    ) -> None:
        if counter not in COUNTERS:
            raise ValueError(f"counter must be one of {COUNTERS}, got {counter!r}")
        self.counter = counter
        self.repeats = max(1, int(repeats))
        self.slowdown_factor = float(slowdown_factor)
        self.extra_memory_bytes = int(extra_memory_bytes)
        self.min_relative_change = float(min_relative_change)
        self.seed = int(seed)
        self._probed: dict[tuple[str, str], str] = {}

    # -- counter choice ---------------------------------------------------------------

    def counter_for(self, backend: Sandbox, image: str) -> str:
        """`perf` or `callgrind` for this backend and image (probed once for `auto`)."""
        if self.counter != "auto":
            return self.counter
        key = (backend.name, image)
        if key not in self._probed:
            probe = backend.run(RunSpec(
                steps=[Step(["perf", "stat", "-x,", "-e", _PERF_EVENT, "-o", "probe.txt", "true"],
                            limits=Limits(wall_time_s=10.0), stop_on_failure=False)],
                collect=["probe.txt"], image=image,
            ))
            works = bool(_PERF_LINE.search(probe.files.get("probe.txt", b"")))
            self._probed[key] = "perf" if works else "callgrind"
            log.info("instruction counter on %s/%s: %s", backend.name, image, self._probed[key])
        return self._probed[key]

    # -- measuring --------------------------------------------------------------------

    def _prefix(self, counter: str, out: str) -> tuple[str, ...]:
        if counter == "perf":
            return ("perf", "stat", "-x,", "-e", _PERF_EVENT, "-o", out)
        return ("valgrind", "--tool=callgrind", "-q", f"--callgrind-out-file={out}",
                "--cache-sim=no", "--branch-sim=no", "--dump-instr=no")

    def _limits(self, limits: Limits) -> Limits:
        # The counter runs the program much slower (callgrind) and maps its own memory.
        return replace(
            limits,
            wall_time_s=limits.wall_time_s * self.slowdown_factor,
            cpu_time_s=None,
            memory_bytes=limits.memory_bytes + self.extra_memory_bytes,
        )

    def count(self, backend: Sandbox, job: TimingJob) -> tuple[dict[str, list[int]], TimingFailure | None, str]:
        """Per side, the instruction count on each input (one run each); or a failure."""
        counter = self.counter_for(backend, job.image)
        runs = ProgramRuns({BASELINE: job.baseline, CANDIDATE: job.candidate}, job.tests)
        limits = self._limits(job.limits)
        # Each count is written in its run's own scratch and taken out before the next run
        # starts, so no program can reach another's count (they once shared a workspace).
        # A program's own count is still written inside its own process: see the module doc.
        out = "count.txt"
        steps, order = [], []
        for i in range(len(job.tests)):
            for side in (BASELINE, CANDIDATE):
                steps.append(runs.step(side, i, limits, f"{side}/{job.tests[i].name}",
                                       prefix=self._prefix(counter, out), discard_stdout=True, save=out))
                order.append((side, i))
        result: RunResult = backend.run(runs.spec(steps, job.image))
        if len(result.steps) != len(steps):
            raise RuntimeError(f"backend returned {len(result.steps)} step results for {len(steps)} steps")
        counts: dict[str, list[int]] = {BASELINE: [], CANDIDATE: []}
        for (side, i), step in zip(order, result.steps, strict=True):
            failure = timed_failure(job, side, i, step)
            if failure is not None:
                return counts, failure, counter
            pattern = _PERF_LINE if counter == "perf" else _CALLGRIND_TOTAL
            found = pattern.search(step.saved or b"")
            if not found:
                raise RuntimeError(
                    f"{counter} produced no instruction count for {side} on {job.tests[i].name}: "
                    f"{step.stderr[-500:].decode(errors='replace')}"
                )
            counts[side].append(int(found.group(1)))
        return counts, None, counter

    def measure(self, backend: Sandbox, job: TimingJob) -> Measurement:
        totals: dict[str, list[int]] = {BASELINE: [], CANDIDATE: []}
        per_input: dict[str, list[int]] = {}
        counter = ""
        for _ in range(self.repeats):
            counts, failure, counter = self.count(backend, job)
            if failure is not None:
                return Measurement(mode=self.mode, failure=failure, details={"counter": counter})
            per_input = counts
            for side in totals:
                totals[side].append(sum(counts[side]))
        b, c = totals[BASELINE][0], totals[CANDIDATE][0]
        if b <= 0 or c <= 0:
            raise RuntimeError(f"instruction counts must be positive, got {b} and {c}")
        speedup = b / c
        significant = abs(math.log(speedup)) > math.log1p(self.min_relative_change)
        spread = {side: max(v) - min(v) for side, v in totals.items()}
        return Measurement(
            mode=self.mode,
            baseline_instructions=b,
            candidate_instructions=c,
            estimate=SpeedupEstimate(speedup, speedup, speedup, self.repeats, significant, 1.0, counter),
            details={
                "counter": counter,
                "repeats": self.repeats,
                "spread_instructions": spread,
                "instructions_per_repeat": totals,
                "per_input_instructions": {
                    t.name: {"baseline": per_input[BASELINE][i], "candidate": per_input[CANDIDATE][i]}
                    for i, t in enumerate(job.tests)
                },
            },
        )
