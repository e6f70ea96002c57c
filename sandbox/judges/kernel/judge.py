"""The kernel judge: a KernelBench candidate against its problem, staged, fail-closed.

Pipeline (every exit returns an `Evaluation`), one module per stage:

    load (problem.py) -> static checks (static_checks.py)
      -> correctness: one reference and one candidate process (sides.py; the build, cached
         by content, happens in the candidate's) -> every call checked (call_checks.py)
      -> timing: processes in ABBA order, looked at as they come (sandbox/timing/sequential.py),
         every timed call checked too -> the interval over processes
      -> re-verification of any speedup above `reverify.threshold` (reverify.py)

What each worker process reports is read once, into typed records (record.py: the trust rule
for its shape); the stages read attributes of those, never keys of the raw JSON.

Process separation. The reference and the candidate never share an interpreter, and
neither shares one with this judge. Each side is one `Backend.run` of `worker.py` in its own
fresh sandbox: the reference's workspace holds the problem; the candidate's holds only the
candidate and the problem stripped of `class Model`, so it can neither import the reference
nor read its outputs (they are never in its sandbox). Every worker process is forked
from the sandbox's warm interpreter (torch imported, nothing else run; `sandbox/runner/
zygote.py`), so a process costs no interpreter start and no torch import (~0.9 s each, 14
a close call), yet starts as fresh as an exec'd one. The reference runs first, in a
sandbox the candidate has never touched, so no file or process a candidate leaves behind
can reach it. Seeds come from `secrets` (unless `seed` is fixed) and are removed from disk
before candidate code is imported. The host compares what each side saved, loaded with
`torch.load(weights_only=True)`: shape, dtype (a lower-precision float is rejected), stride-0
fakes, NaN/Inf, allclose, and a relative-error bound that catches fp16/bf16 compute under
an fp32 task; the candidate's inputs are digested after every call and must match the
reference's digests of the same seeds bitwise.

Timing: where and why. Correctness first (one process a side, sharing the machine with
other judgements' builds and checks), then the timing stage under the exclusive timing
lease (`sandbox/timing/lease.py`: nothing else of MaxCode's runs on the device meanwhile,
in any process on this machine): `timing.processes` rounds of one reference and one
candidate process, alternating which goes first. A process shifts all of its calls
together (allocator state, layout, thread placement), so the 95% interval is taken over
processes (`maxcode.sandbox.timing.stats.process_speedup`), and both sides do exactly the same
untimed work around each call. Calls run on fresh inputs every trial (the meter on CPU;
CUDA events with an L2 flush and a device-wide
synchronize on GPU, so side streams are counted). On CPU calls are timed by the meter
(worker.py), outside the side's process: it writes each window's inputs into the stopped
process, times go to done, and reads the outputs with every process of the side stopped
again; windows hold several calls when calls are short (`calls_per_window`, sized from the
reference's correctness process). On CUDA the side's process times itself with a clock
captured before its code was imported, and the static checks forbid the ways to reach that
clock (imports of time/sys/gc/inspect/ctypes, dunder and frame access, dynamic code, module
patching, native calls into the interpreter); native code can still forge it, hence the
fail-closed re-verification of large claims by the sandbox runner's clock (`reverify.py` has
its rules and its known limit). Outputs of *every* timed call are checked, so doing the work
only in warm-up or replaying cached outputs fails.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from maxcode.records.errors import TaskError
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.testcases import TestCase
from maxcode.records.tolerance import Tolerance
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.judges.kernel import static_checks
from maxcode.sandbox.judges.kernel.call_checks import check_trials
from maxcode.sandbox.judges.kernel.compare import ComparisonLimits
from maxcode.sandbox.judges.kernel.extension_cache import ExtensionCache
from maxcode.sandbox.judges.kernel.problem import (
    Problem,
    candidate_load_error,
    parse_problem,
    syntax_error_verdict,
)
from maxcode.sandbox.judges.kernel.reverify import Claim, Reverification
from maxcode.sandbox.judges.kernel.settings import KernelChecks, KernelLimits, KernelTiming
from maxcode.sandbox.judges.kernel.sides import JudgeFailure, Seeds, Side, Sides
from maxcode.sandbox.run_spec import MiB, RunResult
from maxcode.sandbox.timing import lease, sequential
from maxcode.sandbox.timing.stats import CONFIDENCE, SpeedupEstimate, process_speedup

# Metered calls are timed several to a window (worker.py, "the meter") until the window holds
# this much work. A window costs ~0.1-0.3 ms of the meter's own (wake-ups and stops) and its
# first call runs slower (the process was stopped), and both vary: with 3 ms windows the known
# compute-bound 1.3x (~2.5 ms calls, one a window) had intervals 28% wide, with 10 ms 8% (the
# in-process clock: 6%). Windows are capped by memory (each call's inputs and outputs are
# alive until the window is read) and by count: every call costs the meter its inputs, digests
# and fingerprint (~3-5 ms on a 1 MB input), and 64 calls a window (three windows a process at
# least) tripled the judge's time on short calls.
WINDOW_S = 10e-3
MAX_CALLS_PER_WINDOW = 16
MAX_WINDOW_BYTES = 256 * MiB
MIN_WINDOWS = 3
WARMUP_WINDOWS = 2


def calls_per_window(ref_check: Side) -> int:
    """Calls a timing window holds, from the reference's calls back to back in its correctness
    process (trusted: no candidate code ran there), less the meter's cost of a window."""
    record = ref_check.record
    if not record.call_s:  # type: ignore[union-attr]
        return 1
    call = max(record.call_s, 1e-6)  # type: ignore[union-attr]
    by_memory = int(MAX_WINDOW_BYTES // max(record.call_bytes or 1, 1))  # type: ignore[union-attr]
    return max(1, min(MAX_CALLS_PER_WINDOW, by_memory, math.ceil(WINDOW_S / call)))


@dataclass(frozen=True)
class TimingPlan:
    """How much the timing stage measures (from the reference's correctness process)."""

    trials: int
    """Timed calls per process."""
    calls_per_window: int
    """Calls the meter times together (1 where calls are timed one by one)."""
    processes: list[dict]
    """Per timing process: its seeds and settings (WorkerSpec fields)."""


@dataclass(frozen=True)
class TimedSides:
    """What the timing stage measured, read by the re-verification and the verdict."""

    refs: list[Side]
    cands: list[Side]
    stop_reason: str
    """A decision of the sequential looks, or "max_processes"."""
    estimate: SpeedupEstimate
    claim: Claim
    confidence: float

    def baseline_times(self) -> list[float]:
        return [t for r in self.refs for t in r.timing_times()]

    def candidate_times(self) -> list[float]:
        return [t for c in self.cands for t in c.timing_times()]


class KernelJudge:
    """Judges KernelBench-format candidates (`ModelNew`) against their problem (`Model`)."""

    family = "kernel"

    def __init__(
        self,
        backend: Backend,
        device: str = "auto",
        checks: KernelChecks | None = None,
        timing: KernelTiming | None = None,
        limits: KernelLimits | None = None,
        reverify: Reverification | None = None,
        python: str | None = None,
        cache_dir: str | None = None,
        seed: int | None = None,
    ) -> None:
        """`python`: the interpreter in the sandbox (None: python3 in images, this one for the
        local backend). `cache_dir`: built extensions are cached under it, keyed by candidate
        source, toolchain and device. `seed`: None draws unpredictable seeds from `secrets`
        (recorded in each Evaluation)."""
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device not in ("cpu", "cuda"):
            raise ValueError(f"device must be cpu, cuda or auto, got {device!r}")
        self.device = device
        self.checks = checks or KernelChecks()
        self.timing = (timing or KernelTiming()).for_device(device)
        self.reverification = reverify or Reverification()
        self.tolerances = ComparisonLimits(self.checks.atol, self.checks.rtol, self.checks.max_rel_error_fp32)
        limits = limits or KernelLimits()
        gpu = device == "cuda"
        self.sides = Sides(
            backend, device, self.timing.threads,
            python=python or (sys.executable if backend.name == "local" else "python3"),
            image="kernel-cuda" if gpu else "kernel-cpu", memory_bytes=limits.memory_bytes,
            run_timeout_s=limits.run_timeout_s, build_timeout_s=limits.build_timeout_s,
            cache=ExtensionCache(Path(cache_dir) / "kernel_builds" if cache_dir else None),
            compiled_references=ExtensionCache(Path(cache_dir) / "compiled_references" if cache_dir else None,
                                               keep=4),
        )
        self.seed = seed

    @property
    def threads(self) -> int | None:
        return self.timing.threads

    # ------------------------------------------------------------------ pipeline

    def evaluate(
        self,
        baseline_source: str,
        candidate_source: str,
        tests: Sequence[TestCase] = (),
        *,
        tolerance: Tolerance | None = None,
        incumbent: float | None = None,
        full_budget: bool = False,
        versus_compile: bool | None = None,
    ) -> Evaluation:
        """Judge one candidate (`ModelNew`) against its problem (`Model`); the `Judge`
        protocol (sandbox/judges/base.py) says what each argument asks. Raises TaskError only
        when the *problem* is unusable."""
        if tests:
            raise TaskError("a kernel problem makes its own inputs; it takes no test cases",
                            "drop the tests directory from a kernel task")
        started = time.perf_counter()
        master = self.seed if self.seed is not None else secrets.randbits(62)
        tol = self.tolerances
        if tolerance is not None:
            tol = ComparisonLimits(tolerance.atol, tolerance.rtol, tol.max_rel_error_fp32, tol.max_rel_error_fp64)
        problem = parse_problem(baseline_source)
        context: dict[str, Any] = {"seed": master, "details": {
            "device": self.device, "incumbent": incumbent, "full_budget": full_budget}}
        versus_compile = self.timing.compile_baseline if versus_compile is None else versus_compile
        looks = None
        if self.timing.sequential and not full_budget:
            looks = sequential.ProcessLooks(self.timing.processes, CONFIDENCE, self.timing.min_relative_change,
                                            incumbent=incumbent)
        try:
            evaluation = self._pipeline(problem, candidate_source, tol, master, context, versus_compile, looks)
        except JudgeFailure as failed:
            evaluation = failed.evaluation
        evaluation.seed = master
        evaluation.backend = evaluation.backend or self.sides.backend.name
        evaluation.hardware = evaluation.hardware or hardware_fingerprint(self.device)
        evaluation.details = {**context["details"], **evaluation.details}
        evaluation.details["judge_s"] = time.perf_counter() - started
        return evaluation

    def _pipeline(
        self, problem: Problem, source: str, tol: ComparisonLimits, master: int, context: dict,
        compile_baseline: bool, looks: sequential.ProcessLooks | None,
    ) -> Evaluation:
        details = context["details"]
        rejected = self._load_and_static_checks(problem, source, details)
        if rejected is not None:
            return rejected
        rng = Seeds(master)
        ref_check, cand_check, run = self._correctness(problem, source, tol, rng, details)
        plan = self._timing_plan(ref_check, rng, compile_baseline)
        # Timing, with the device to ourselves (exclusive lease, machine-wide), and the
        # re-verification of a large claim under the same lease.
        with lease.exclusive(*lease.timing_devices(self.device)) as waited_s:
            details["lease_wait_s"] = round(waited_s, 3)
            timed = self._timing(problem, source, rng, plan, tol, looks)
            verdict = (self.reverification.check(self.sides, problem, source, tol, rng, timed.claim, details)
                       if timed.estimate.speedup > self.reverification.threshold else None)
        self._describe_timing(timed, plan, looks, details)
        if verdict is not None:
            return Evaluation.failure(
                verdict.status, verdict.message, mismatch=verdict.mismatch, failing_test="reverify",
                baseline_times_s=timed.baseline_times(), candidate_times_s=timed.candidate_times(),
                backend=run.backend, isolation=run.isolation,
            )
        return self._verdict(timed, cand_check, run, compile_baseline, details)

    def _load_and_static_checks(self, problem: Problem, source: str, details: dict) -> Evaluation | None:
        """Stages 1 and 2: the candidate loads as a module, and the static checks pass."""
        # Invalid Python is the candidate's compile error: file:line and the line, as a build log.
        invalid = syntax_error_verdict(source)
        if invalid is not None:
            return invalid
        error = candidate_load_error(source)
        if error:
            return Evaluation.failure(Status.COMPILE_ERROR, error, failing_test="load")
        report = static_checks.check_candidate(
            source, self.checks.static, problem.source, self.checks.require_custom_kernel
        )
        details["static_warnings"] = [f"{f.rule} (line {f.line}): {f.message}" for f in report.warnings]
        if not report.errors:
            return None
        first = report.errors[0]
        return Evaluation.failure(
            Status.REJECTED,
            f"static check {first.rule} (line {first.line}): {first.message}",
            failing_test="static",
            details={
                "static_errors": [f"{f.rule} (line {f.line}): {f.message}" for f in report.errors],
                "static_rules": sorted({f.rule for f in report.errors}),
            },
        )

    def _correctness(self, problem: Problem, source: str, tol: ComparisonLimits, rng: Seeds,
                     details: dict) -> tuple[Side, Side, RunResult]:
        """Stage 3: one process a side (the candidate's builds its extension), every call
        checked. Builds and checks may overlap other judgements' (every sandbox run holds the
        CPU lease shared; see lease.py)."""
        checked = rng.take(self.checks.correctness_trials)
        gpu_shared = lease.shared(*lease.timing_devices(self.device)[1:]) if self.device == "cuda" \
            else contextlib.nullcontext()
        with gpu_shared:
            (ref_check,) = self.sides.reference(problem, [self.sides.spec(
                "reference", "check", rng, correctness_seeds=checked,
                max_saved_output_bytes=self.checks.max_saved_output_bytes)])
            # Outputs too large to keep whole are checked by fingerprint; the reference
            # decides which, so both sides keep the same calls.
            full = [t.seed for t in ref_check.record.trials if t.output is not None]
            details["full_output_trials"] = len(full)
            (cand_check,), run = self.sides.candidate(problem, source, [self.sides.spec(
                "candidate", "check", rng, correctness_seeds=checked, full_output_seeds=full)])
        details["build"] = cand_check.record.build
        check_trials(ref_check, cand_check, tol)
        return ref_check, cand_check, run

    def _timing_plan(self, ref_check: Side, rng: Seeds, compile_baseline: bool) -> TimingPlan:
        """Stage 4's size: timed calls per process and per window, and every process's seeds.
        Sized by the reference's whole trials, not its calls: generating a call's inputs,
        digesting them and fingerprinting its outputs took ~80 ms around a 4 ms GELU call, so
        "1.5 s of calls" meant 50 trials and ~4 s a process, where the interval is over
        processes and gains little from calls within one."""
        per_trial = statistics.median(t.trial_s or 0.0 for t in ref_check.record.trials) \
            if ref_check.record.trials else 0.0
        metered = self.sides.metered(self.sides.spec("reference", "check", rng))
        per_window = calls_per_window(ref_check) if metered else 1
        # Whole windows, and enough of them for a process's median, within the trials the
        # time target pays for: where each call's harness work is dear (large inputs), fewer
        # calls a window rather than more trials a process.
        trials = self._trials_per_process(per_trial)
        per_window = min(per_window, max(1, trials // MIN_WINDOWS))
        trials = -(-max(trials, MIN_WINDOWS * per_window) // per_window) * per_window
        # Warm-up: at least two whole windows. The first windows of a process grow its heap
        # (a window keeps all of its calls' outputs until the meter has read them), and a
        # call whose outputs land on fresh pages pays a fault per page: 256 faults, +0.5 ms,
        # on a 1 MB ReLU output.
        warmup = max(self.timing.warmup_trials, WARMUP_WINDOWS * per_window if per_window > 1 else 0)
        processes = [{"warmup_seeds": rng.take(warmup), "timing_seeds": rng.take(trials),
                      "calls_per_window": per_window, "call_bytes": int(ref_check.record.call_bytes or 0) or None,
                      "compile_baseline": compile_baseline}
                     for _ in range(self.timing.processes)]
        return TimingPlan(trials, per_window, processes)

    def _timing(self, problem: Problem, source: str, rng: Seeds, plan: TimingPlan, tol: ComparisonLimits,
                looks: sequential.ProcessLooks | None) -> TimedSides:
        """Stage 4 (and 5 inside it: every timed call's outputs checked against the
        reference's): alternating processes, the interval over processes
        (maxcode.sandbox.timing.stats), looked at after every second process a side when `looks`."""
        refs, cands, stop_reason = self._timing_rounds(problem, source, rng, plan.processes, tol, looks)
        base_by_process = [r.timing_times() for r in refs]
        mine_by_process = [c.timing_times() for c in cands]
        confidence = looks.look_confidence if looks else CONFIDENCE
        est = looks.estimate if looks else process_speedup(
            base_by_process, mine_by_process, confidence, self.timing.min_relative_change)
        claim = Claim(
            statistics.median(t for times in base_by_process for t in times),
            statistics.median(t for times in mine_by_process for t in times),
            est.speedup,
        )
        return TimedSides(refs, cands, stop_reason, est, claim, confidence)

    def _describe_timing(self, timed: TimedSides, plan: TimingPlan, looks: sequential.ProcessLooks | None,
                         details: dict) -> None:
        details["timing_processes"] = len(timed.refs)
        details["stop_reason"] = timed.stop_reason
        if looks:
            details["looks_at"] = looks.at
            details["look_confidence"] = looks.look_confidence
        details["threads"] = self.timing.threads
        details["trials_per_process"] = plan.trials
        details["calls_per_window"] = plan.calls_per_window
        details["process_median_s"] = {
            "baseline": [statistics.median(r.timing_times()) for r in timed.refs],
            "candidate": [statistics.median(c.timing_times()) for c in timed.cands],
        }
        details["process_counts"] = {"baseline": _median_counts(timed.refs), "candidate": _median_counts(timed.cands)}
        details["reference_process_s"] = [r.record.process_s for r in timed.refs]
        details["candidate_process_s"] = [c.record.process_s for c in timed.cands]

    def _verdict(self, timed: TimedSides, cand_check: Side, run: RunResult, compile_baseline: bool,
                 details: dict) -> Evaluation:
        """The Evaluation of a candidate that was timed and not refuted."""
        est = timed.estimate
        versus_compile = None
        compiled_by_process = [r.record.compile_times_s for r in timed.refs]
        if compile_baseline and all(compiled_by_process):
            # The compiled reference ran in the same processes as the eager one, so the same
            # interval over processes applies.
            versus_compile = process_speedup(compiled_by_process, [c.timing_times() for c in timed.cands],
                                             timed.confidence, self.timing.min_relative_change)
            details["compile_baseline_time_s"] = statistics.median(t for ts in compiled_by_process for t in ts)
            details["compile_s"] = [r.record.compile_s for r in timed.refs]
        if est.significant:
            verdict_text = f"{est.speedup:.3g}x ({'faster' if est.speedup > 1 else 'slower'}; "
        else:
            verdict_text = f"no significant change ({est.speedup:.3g}x, "
        peak = max([s.step.peak_memory_bytes for s in [cand_check, *timed.cands]], default=0)
        return Evaluation(
            status=Status.OK,
            correct=True,
            message=f"correct, {verdict_text}95% CI {est.ci_low:.3g}-{est.ci_high:.3g} "
            f"over {est.n} processes a side{_early_note(details)})",
            timing_mode="wall",
            baseline_times_s=timed.baseline_times(),
            candidate_times_s=timed.candidate_times(),
            baseline_time_s=timed.claim.baseline_s,
            candidate_time_s=timed.claim.candidate_s,
            speedup=est.speedup,
            speedup_ci=(est.ci_low, est.ci_high),
            significant=est.significant,
            stopped_below=details["incumbent"] if timed.stop_reason == sequential.BELOW_INCUMBENT else None,
            speedup_vs_compile=versus_compile.speedup if versus_compile else None,
            speedup_vs_compile_ci=(versus_compile.ci_low, versus_compile.ci_high) if versus_compile else None,
            peak_memory_bytes=peak or None,
            backend=run.backend,
            isolation=run.isolation,
        )

    def _trials_per_process(self, per_trial_s: float) -> int:
        """Timed calls in each timing process: `time_target_s` of the reference's trials
        (call and harness) split over the processes, within [min_trials, max_trials]."""
        t = self.timing
        if per_trial_s <= 0 or t.time_target_s <= 0:
            return t.min_trials  # type: ignore[return-value]
        wanted = int(t.time_target_s / t.processes / per_trial_s)
        return max(t.min_trials, min(t.max_trials, wanted))  # type: ignore[type-var]

    def _timing_rounds(
        self, problem: Problem, source: str, rng: Seeds, plans: list[dict], tol: ComparisonLimits,
        looks: sequential.ProcessLooks | None,
    ) -> tuple[list[Side], list[Side], str]:
        """One reference and one candidate process per plan in the order R C, C R, C R, R C, …
        (ABBA), so that each side goes first equally often and linear drift cancels. Measured
        with R C, C R, R C (3 rounds, the reference first twice): identical code on the
        candidate's side came out 0.80x-0.87x on the convolutions, every time; the process that
        follows another one runs slower (the sandbox's own clean-up of the previous run overlaps
        it). Looks fall after every second round, so a stop never leaves that order unbalanced.
        Returns both sides' processes and why timing stopped (a decision of `looks`, or
        "max_processes")."""
        refs: list[Side] = []
        cands: list[Side] = []
        for k, plan in enumerate(plans):
            for role in (("reference", "candidate") if k % 4 in (0, 3) else ("candidate", "reference")):
                spec = self.sides.spec(role, "check", rng, **plan)
                if role == "reference":
                    refs += self.sides.reference(problem, [spec])
                else:
                    cands += self.sides.candidate(problem, source, [spec])[0]
            check_trials(refs[-1], cands[-1], tol)
            if looks and looks.due(k + 1):
                decision = looks.look([r.timing_times() for r in refs], [c.timing_times() for c in cands])
                if decision:
                    return refs, cands, decision
        return refs, cands, "max_processes"


def _median_counts(sides: list[Side]) -> dict[str, float] | None:
    """Per call, the median over a side's timed calls of each kernel count the meter read:
    what differs between the two sides' processes when their times do (None: not metered)."""
    rows = [t.counts for side in sides for t in side.record.timing_trials() if t.counts]
    names = sorted({name for row in rows for name in row})
    return {name: statistics.median(row.get(name, 0.0) for row in rows) for name in names} if rows else None


def _early_note(details: dict) -> str:
    reason = details.get("stop_reason")
    if reason == sequential.BELOW_INCUMBENT:
        return f"; stopped early: below the search's best (>= {details['incumbent']:.3g}x)"
    early = details.get("looks_at") and details["timing_processes"] < details["looks_at"][-1]
    return "; decided early" if reason in sequential.DECISIONS and early else ""


def hardware_fingerprint(device: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "device": device,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if device == "cuda" and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
