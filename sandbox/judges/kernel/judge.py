"""The kernel judge: a KernelBench candidate against its problem, staged, fail-closed.

Pipeline (every exit returns an `Evaluation`):

    load -> static checks -> reference run -> candidate run (build, correctness, timing)
         -> host-side checks of every call's outputs and inputs -> timing statistics
         -> re-verification of any speedup above `reverify_threshold`

Process separation. The reference and the candidate never share an interpreter, and
neither shares one with this judge. Each side is one `Backend.run` of `worker.py` in its own
fresh sandbox: the reference's workspace holds the problem; the candidate's holds only the
candidate and the problem stripped of `class Model`, so it can neither import the reference
nor read its outputs (they are never in its sandbox). The reference runs first, in a
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
in any process on this machine): `timing_processes` rounds of one reference and one
candidate process, alternating which goes first. A process shifts all of its calls
together (allocator state, layout, thread placement), so the 95% interval is taken over
processes (`sandbox.timing.stats.process_speedup`), and both sides do exactly the same
untimed work around each call. Calls run on fresh inputs every trial (perf_counter on CPU;
CUDA events with an L2 flush and a device-wide
synchronize on GPU, so side streams are counted). The reference's times are trusted; its
correctness run sizes the timed calls on CPU. The candidate's process times itself with a
clock captured before its code was imported, and the static checks forbid the ways to reach
that clock (imports of time/sys/gc/inspect/ctypes, dunder and frame access, dynamic code,
module patching, native calls into the interpreter). Outputs of *every* timed call are
checked, so doing the work only in warm-up or replaying cached outputs fails.
Limits of this choice: native code in the extension can still forge the in-process clock,
and static checks are never complete. Hence the fail-closed re-verification: a speedup
above the threshold is measured again by the sandbox runner's clock (fork to reap, outside
every sandboxed process): steps with 1 and 1+n calls on fresh inputs, whose difference
cancels start-up, import, input generation and saving, with all outputs checked again
(extra correctness trials). The claim is rejected on evidence only: when the candidate's n
extra calls took longer than `reverify_agreement` of the claim allows (default a quarter:
whole-step runs see colder caches than back-to-back timed trials, so a genuine 30x kernel
can measure 15x there) by more than `reverify_noise_s`, the start-up noise of a step. A
genuine fast kernel's n calls may vanish in that noise; a forger's cannot, since n is
budgeted as if the claim were false (FORGER_BUDGET x `reverify_target_s` of reference-speed
work); when even that is within RESOLVE_FACTOR x the noise (a very fast baseline at
`reverify_max_calls`), nothing is verified and the claim is rejected. Known limit: a partial
forger whose real speedup is within the agreement and noise allowance of its claim passes
with an inflated figure.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import platform
import secrets
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from records.evaluation import Evaluation, Status, truncate
from records.tolerance import Tolerance
from sandbox.backends.base import Backend, GiB, Limits, MiB, RunResult, RunSpec, Step, StepResult
from sandbox.judges.kernel import static_checks
from sandbox.judges.kernel.compare import (
    ComparisonLimits,
    Verdict,
    check_fingerprint,
    compare,
    load_outputs,
)
from sandbox.judges.kernel.extension_cache import ExtensionCache, cache_key
from sandbox.judges.kernel.problem import Problem, candidate_load_error, parse_problem
from sandbox.timing import lease, sequential
from sandbox.timing.stats import CONFIDENCE, SpeedupEstimate, process_speedup

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("worker.py")
# Rationale: re-verification runs the candidate n times as if its claim were false, i.e. for
# up to FORGER_BUDGET x reverify_target_s of reference-speed work. At 4x a genuine 50x kernel
# ran ~40 ms of work against ~0.1 s of process start-up noise and was sometimes rejected
# (measured 5.9x of a 49x claim); at 20x it runs ~0.2 s, and a forger costs <= 20 s a step.
FORGER_BUDGET = 20
# A re-verification decides only when a false claim's n calls would take this many times
# the step noise (`reverify_noise_s`); below that it cannot tell, and rejects.
RESOLVE_FACTOR = 3
WORKER_VERSION = "4"
# The allocator, the same for both sides' processes. glibc's malloc moves its mmap threshold
# (and trims the heap) as a process frees large blocks, so whether a call's outputs landed on
# fresh pages - a page fault per 4 KiB - depended on the process's history: the same
# convolution ran 9.8 ms in one process and 17 ms in the next (A/A judged 0.79x or 1.5x).
# Fixed thresholds: blocks up to 32 MiB (glibc's ceiling) are reused from a heap that is
# never trimmed, larger ones always mapped fresh. And transparent huge pages for the heap
# (`hugetlb=1`, madvise): with 4 KiB pages, 13 ReLU passes over 4 MB took 2.3-2.9 ms
# depending on the process (where its pages landed), with huge pages 1.5-1.7 ms.
MALLOC_TUNABLES = ("glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296"
                   ":glibc.malloc.hugetlb=1")
# Worker failure kind -> status. Anything not listed is a runtime error.
KIND_STATUS = {
    "build": Status.COMPILE_ERROR,
    "missing_class": Status.COMPILE_ERROR,
    "fake_output": Status.REJECTED,
}


@dataclass
class _Side:
    """What one worker step produced, read back on the host."""

    step: StepResult
    record: dict[str, Any] | None
    outputs: bytes
    phase: str
    files: dict[str, bytes] = field(default_factory=dict)

    def blob(self, index: int) -> bytes:
        start, size = self.record["offsets"][index]  # type: ignore[index]
        return self.outputs[start : start + size]


@dataclass(frozen=True)
class SpeedupSummary:
    """The timing stage's result: medians over every timed call, and the estimate."""

    baseline_s: float
    candidate_s: float
    estimate: SpeedupEstimate

    @property
    def speedup(self) -> float:
        return self.estimate.speedup


class _Fail(Exception):
    """Internal: carries the Evaluation of a failed stage up to `evaluate`."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation


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


def _compare_saved(want_blob: bytes, cand: _Side, index: int, tol: ComparisonLimits, name: str, what: str,
                   label: str) -> None:
    """Compare saved reference tensors with the candidate's blob `index`; raise its verdict."""
    try:
        got = load_outputs(cand.blob(index))
    except Exception as exc:
        raise _Fail(Evaluation.failure(
            # The first line only: torch's message goes on to suggest loading untrusted bytes
            # with weights_only=False, which is not advice for a proposer.
            Status.REJECTED, f"{name}: {what} are not plain tensors ({str(exc).splitlines()[0][:160]})",
            failing_test=name, error_type=f"{type(exc).__module__}.{type(exc).__name__}",
        )) from None
    verdict = compare(load_outputs(want_blob), got, tol, label)
    if verdict is not None:
        raise _Fail(Evaluation.failure(
            verdict.status, verdict.message, mismatch=verdict.mismatch, failing_test=name,
        ))


class KernelJudge:
    """Judges KernelBench-format candidates (`ModelNew`) against their problem (`Model`)."""

    def __init__(
        self,
        backend: Backend,
        device: str = "auto",
        correctness_trials: int = 5,
        atol: float = 1e-2,
        rtol: float = 1e-2,
        max_rel_error_fp32: float = 1e-4,
        static_checks: str = "strict",
        require_custom_kernel: bool = True,
        warmup_trials: int | None = None,
        min_trials: int | None = None,
        max_trials: int | None = None,
        time_target_s: float = 1.5,
        timing_processes: int = 6,
        sequential: bool = True,
        min_relative_change: float = 0.01,
        max_saved_output_bytes: int = 256 * MiB,
        compile_baseline: bool = False,
        reverify_threshold: float = 10.0,
        reverify_agreement: float = 0.25,
        reverify_target_s: float = 1.0,
        reverify_reps: int = 2,
        reverify_max_calls: int = 1000,
        reverify_noise_s: float = 0.5,
        build_timeout_s: float = 300.0,
        run_timeout_s: float = 120.0,
        memory_bytes: int = 16 * GiB,
        threads: int | None = None,
        python: str | None = None,
        cache_dir: str | None = None,
        seed: int | None = None,
    ) -> None:
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device not in ("cpu", "cuda"):
            raise ValueError(f"device must be cpu, cuda or auto, got {device!r}")
        if static_checks not in static_checks_presets():
            raise ValueError(f"static_checks must be one of {static_checks_presets()}")
        gpu = device == "cuda"
        self.backend = backend
        self.device = device
        self.correctness_trials = correctness_trials
        self.tolerances = ComparisonLimits(atol=atol, rtol=rtol, max_rel_error_fp32=max_rel_error_fp32)
        self.static_preset = static_checks
        self.require_custom_kernel = require_custom_kernel
        # KernelBench's GPU protocol: 3 warm-ups, 100 trials. CPU: adaptive within bounds.
        self.warmup_trials = warmup_trials if warmup_trials is not None else (3 if gpu else 2)
        self.min_trials = min_trials if min_trials is not None else (100 if gpu else 10)
        self.max_trials = max_trials if max_trials is not None else (100 if gpu else 50)
        if timing_processes < 1:
            raise ValueError("timing_processes must be >= 1")
        self.timing_processes = timing_processes
        self.sequential = bool(sequential)
        self.min_relative_change = min_relative_change
        self.max_saved_output_bytes = max_saved_output_bytes
        self.time_target_s = time_target_s if not gpu else 0.0
        self.compile_baseline = compile_baseline
        self.reverify_threshold = reverify_threshold
        self.reverify_agreement = reverify_agreement
        self.reverify_target_s = reverify_target_s
        self.reverify_reps = reverify_reps
        self.reverify_max_calls = reverify_max_calls
        self.reverify_noise_s = reverify_noise_s
        self.build_timeout_s = build_timeout_s
        self.run_timeout_s = run_timeout_s
        self.memory_bytes = memory_bytes
        if threads is not None and threads < 1:
            raise ValueError("threads must be >= 1 (or null for the default)")
        self.threads = threads if threads is not None else default_threads(device)
        self.python = python or (sys.executable if backend.name == "local" else "python3")
        self.image = "kernel-cuda" if gpu else "kernel-cpu"
        self.cache = ExtensionCache(Path(cache_dir) / "kernel_builds" if cache_dir else None)
        self._recent_builds: dict[str, bytes] = {}
        self._compile_caches: dict[str, bytes] = {}
        """torch.compile's cache per problem (`compile_baseline`), from a reference process."""
        self.seed = seed

    # ------------------------------------------------------------------ pipeline

    def evaluate(
        self,
        reference_source: str,
        candidate_source: str,
        tolerance: Tolerance | None = None,
        incumbent: float | None = None,
        full_budget: bool = False,
        compile_baseline: bool | None = None,
    ) -> Evaluation:
        """Judge one candidate. Raises TaskError only when the *problem* is unusable.

        `incumbent`: in a search, a lower bound of the best speedup so far; timing stops once
        the candidate is known to fall below it. `full_budget`: time every process and take
        one fixed-n interval (no early decisions: the final best of a search).
        `compile_baseline`: also time the reference through torch.compile (None: the
        judge's setting)."""
        started = time.perf_counter()
        master = self.seed if self.seed is not None else secrets.randbits(62)
        tol = self.tolerances
        if tolerance is not None:
            tol = ComparisonLimits(tolerance.atol, tolerance.rtol, tol.max_rel_error_fp32, tol.max_rel_error_fp64)
        problem = parse_problem(reference_source)
        context: dict[str, Any] = {"seed": master, "details": {
            "device": self.device, "incumbent": incumbent, "full_budget": full_budget}}
        versus_compile = self.compile_baseline if compile_baseline is None else compile_baseline
        looks = None
        if self.sequential and not full_budget:
            looks = sequential.ProcessLooks(self.timing_processes, CONFIDENCE, self.min_relative_change,
                                            incumbent=incumbent)
        try:
            evaluation = self._pipeline(problem, candidate_source, tol, master, context, versus_compile, looks)
        except _Fail as failed:
            evaluation = failed.evaluation
        evaluation.seed = master
        evaluation.backend = evaluation.backend or self.backend.name
        evaluation.hardware = evaluation.hardware or hardware_fingerprint(self.device)
        evaluation.details = {**context["details"], **evaluation.details}
        evaluation.details["judge_s"] = time.perf_counter() - started
        return evaluation

    def _pipeline(
        self, problem: Problem, source: str, tol: ComparisonLimits, master: int, context: dict,
        compile_baseline: bool, looks: sequential.ProcessLooks | None,
    ) -> Evaluation:
        details = context["details"]
        # Stage 1: load.
        error = candidate_load_error(source)
        if error:
            return Evaluation.failure(Status.COMPILE_ERROR, error, failing_test="load")
        # Stage 2: static checks.
        report = static_checks.check_candidate(
            source, self.static_preset, problem.source, self.require_custom_kernel
        )
        details["static_warnings"] = [f"{f.rule} (line {f.line}): {f.message}" for f in report.warnings]
        if report.errors:
            first = report.errors[0]
            rules = sorted({f.rule for f in report.errors})
            return Evaluation.failure(
                Status.REJECTED,
                f"static check {first.rule} (line {first.line}): {first.message}",
                failing_test="static",
                details={
                    "static_errors": [f"{f.rule} (line {f.line}): {f.message}" for f in report.errors],
                    "static_rules": rules,
                },
            )
        # Stage 3: correctness, one process a side. Builds and checks may overlap other
        # judgements' (every sandbox run holds the CPU lease shared; see lease.py).
        rng = _Seeds(master)
        init = {"init_seed": rng.init, "probe_seed": rng.probe}
        check = {**init, "correctness_seeds": rng.take(self.correctness_trials),
                 "warmup_seeds": [], "timing_seeds": []}
        gpu_shared = lease.shared(*lease.timing_devices(self.device)[1:]) if self.device == "cuda" \
            else contextlib.nullcontext()
        with gpu_shared:
            (ref_check,) = self._run_reference(
                problem, [{**check, "max_saved_output_bytes": self.max_saved_output_bytes}])
            # Outputs too large to keep whole are checked by fingerprint; the reference
            # decides which, so both sides keep the same calls.
            full = [t["seed"] for t in ref_check.record["trials"] if t.get("output") is not None]
            details["full_output_trials"] = len(full)
            (cand_check,), run = self._run_candidate(problem, source, [{**check, "full_output_seeds": full}])
        details["build"] = cand_check.record.get("build")
        self._check_trials(ref_check, cand_check, tol)
        # Stage 4: timing, with the device to ourselves (exclusive lease, machine-wide), in
        # alternating processes: the interval is over processes (sandbox.timing.stats),
        # looked at after every second process a side when `looks` (sequential stopping).
        # Stage 5, inside it: every timed call's outputs checked against the reference's.
        per_call = statistics.median(t["time_s"] for t in ref_check.record["trials"]) \
            if ref_check.record["trials"] else 0.0
        trials = self._trials_per_process(per_call)
        plans = [{**init, "correctness_seeds": [], "warmup_seeds": rng.take(self.warmup_trials),
                  "timing_seeds": rng.take(trials), "compile_baseline": compile_baseline}
                 for k in range(self.timing_processes)]
        with lease.exclusive(*lease.timing_devices(self.device)) as waited_s:
            details["lease_wait_s"] = round(waited_s, 3)
            refs, cands, stop_reason = self._timing_rounds(problem, source, plans, tol, looks)
            peak = max([s.step.peak_memory_bytes for s in [cand_check, *cands]], default=0)
            base_by_process = [_timing_times(r) for r in refs]
            mine_by_process = [_timing_times(c) for c in cands]
            confidence = looks.look_confidence if looks else CONFIDENCE
            est = looks.estimate if looks else process_speedup(
                base_by_process, mine_by_process, confidence, self.min_relative_change)
            summary = SpeedupSummary(
                statistics.median(t for times in base_by_process for t in times),
                statistics.median(t for times in mine_by_process for t in times),
                est,
            )
            # Stage 6 (below) re-times large claims under the same lease.
            verdict = (self._reverify(problem, source, tol, rng, summary, details)
                       if est.speedup > self.reverify_threshold else None)
        base = [t for times in base_by_process for t in times]
        mine = [t for times in mine_by_process for t in times]
        details["timing_processes"] = len(refs)
        details["stop_reason"] = stop_reason
        if looks:
            details["looks_at"] = looks.at
            details["look_confidence"] = looks.look_confidence
        details["threads"] = self.threads
        details["trials_per_process"] = trials
        details["process_median_s"] = {
            "baseline": [statistics.median(t) for t in base_by_process],
            "candidate": [statistics.median(t) for t in mine_by_process],
        }
        details["reference_process_s"] = [r.record.get("process_s") for r in refs]
        details["candidate_process_s"] = [c.record.get("process_s") for c in cands]
        versus_compile = None
        compiled_by_process = [r.record.get("compile_times_s") for r in refs]
        if compile_baseline and all(compiled_by_process):
            # The compiled reference ran in the same processes as the eager one, so the same
            # interval over processes applies.
            versus_compile = process_speedup(compiled_by_process, mine_by_process, confidence,
                                             self.min_relative_change)
            details["compile_baseline_time_s"] = statistics.median(t for ts in compiled_by_process for t in ts)
            details["compile_s"] = [r.record.get("compile_s") for r in refs]
        if verdict is not None:
            return Evaluation.failure(
                verdict.status,
                verdict.message,
                mismatch=verdict.mismatch,
                failing_test="reverify",
                baseline_times_s=base,
                candidate_times_s=mine,
                backend=run.backend,
                isolation=run.isolation,
            )
        if est.significant:
            verdict_text = f"{est.speedup:.3g}x ({'faster' if est.speedup > 1 else 'slower'}; "
        else:
            verdict_text = f"no significant change ({est.speedup:.3g}x, "
        return Evaluation(
            status=Status.OK,
            correct=True,
            message=f"correct, {verdict_text}95% CI {est.ci_low:.3g}-{est.ci_high:.3g} "
            f"over {est.n} processes a side{_early_note(details)})",
            timing_mode="wall",
            baseline_times_s=base,
            candidate_times_s=mine,
            baseline_time_s=summary.baseline_s,
            candidate_time_s=summary.candidate_s,
            speedup=est.speedup,
            speedup_ci=(est.ci_low, est.ci_high),
            significant=est.significant,
            speedup_vs_compile=versus_compile.speedup if versus_compile else None,
            speedup_vs_compile_ci=(versus_compile.ci_low, versus_compile.ci_high) if versus_compile else None,
            peak_memory_bytes=peak or None,
            backend=run.backend,
            isolation=run.isolation,
        )

    # ------------------------------------------------------------------ sides

    def _spec(self, role: str, mode: str, **fields: Any) -> dict[str, Any]:
        return {
            "role": role,
            "mode": mode,
            "device": self.device,
            "threads": self.threads,
            "inputs_module": "problem.py" if role == "reference" else "inputs.py",  # per step: see _run_sides
            "module": "problem.py" if role == "reference" else "candidate.py",
            "class_name": "Model" if role == "reference" else "ModelNew",
            **fields,
        }

    def _env(self) -> dict[str, str]:
        env = {"PYTHONDONTWRITEBYTECODE": "1", "MAX_JOBS": "2", "GLIBC_TUNABLES": MALLOC_TUNABLES}
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        return env

    def _step(self, index: int, wall_s: float, label: str) -> Step:
        return Step(
            argv=[self.python, "-I", "-B", f"worker_{index}.py", f"spec_{index}.json"],
            limits=Limits(
                wall_time_s=wall_s,
                memory_bytes=self.memory_bytes,
                max_processes=256,
                output_bytes=4 * GiB,
            ),
            label=label,
            stop_on_failure=False,
        )

    def _run_sides(
        self, role: str, files: dict[str, bytes], specs: list[dict], wall_s: float, extra_collect: list[str] = ()
    ) -> tuple[list[_Side], RunResult]:
        files = dict(files)
        worker = WORKER.read_bytes()
        inputs = files.pop("inputs.py", None)
        collect: list[str] = list(extra_collect)
        steps = []
        for i, spec in enumerate(specs):
            spec = {**spec, "out_dir": f"out{i}"}
            # Every step gets its own harness (and input module) copy, which it deletes
            # before candidate code runs.
            files[f"worker_{i}.py"] = worker
            if inputs is not None:
                files[f"inputs_{i}.py"] = inputs
                spec["inputs_module"] = f"inputs_{i}.py"
            files[f"spec_{i}.json"] = json.dumps(spec).encode()
            collect += [f"out{i}/result.json", f"out{i}/outputs.bin", f"out{i}/phase", f"out{i}/ext.tar"]
            steps.append(self._step(i, wall_s, f"{role}/{spec['mode']}/{i}"))
        run = self.backend.run(
            RunSpec(steps=steps, files=files, collect=collect, image=self.image, env=self._env())
        )
        sides = []
        for i, step in enumerate(run.steps):
            raw = run.files.get(f"out{i}/result.json")
            try:
                record = json.loads(raw) if raw else None
            except ValueError:
                record = None
            sides.append(
                _Side(
                    step=step,
                    record=record if isinstance(record, dict) else None,
                    outputs=run.files.get(f"out{i}/outputs.bin", b""),
                    phase=run.files.get(f"out{i}/phase", b"").decode(errors="replace"),
                    files=run.files,
                )
            )
        return sides, run

    def _run_reference(self, problem: Problem, plans: list[dict]) -> list[_Side]:
        files = {"problem.py": problem.source.encode()}
        wall = self.run_timeout_s
        key = None
        if any(plan.get("compile_baseline") for plan in plans):
            # The compiler's cache of this problem, made by the first reference process that
            # compiled it (never by a candidate's), spares the others most of the compile.
            key = cache_key("inductor", problem.source, self.backend.toolchain_id(self.image), self.device,
                            WORKER_VERSION)
            if key in self._compile_caches:
                files["inductor.tar"] = self._compile_caches[key]
            else:
                plans = [{**plans[0], "pack_compile_cache": True}, *plans[1:]]
                wall += self.build_timeout_s
        specs = [self._spec("reference", "check", **plan) for plan in plans]
        refs, run = self._run_sides("reference", files, specs, wall,
                                    extra_collect=[f"out{i}/inductor.tar" for i in range(len(specs))])
        packed = run.files.get("out0/inductor.tar")
        if key is not None and packed and _side_failure(refs[0], "reference") is None:
            self._compile_caches[key] = packed
            while len(self._compile_caches) > 4:
                self._compile_caches.pop(next(iter(self._compile_caches)))
        for ref in refs:
            failure = _side_failure(ref, "reference")
            if failure is not None:
                from records.errors import TaskError

                raise TaskError(
                    f"the reference (problem's Model) failed, so no candidate can be judged: {failure.message}",
                    self._reference_fix(ref, failure),
                )
        return refs

    def _reference_fix(self, ref: _Side, failure: Evaluation) -> str:
        """A reference that fails hit a limit of the judge, or the problem is broken: say which."""
        step = ref.step
        log_text = truncate(failure.runtime_log, 600)
        if step.timed_out:
            return f"raise judge.kernel.run_timeout_s (now {self.run_timeout_s:g}s) for a problem this large"
        text = f"{failure.message} {failure.runtime_log}"
        if step.memory_exceeded or any(w in text for w in MEMORY_WORDS):
            return (f"raise judge.kernel.memory_bytes (now {self.memory_bytes / GiB:g} GiB) if the machine "
                    "has the memory for this problem's size")
        if step.output_exceeded or "No space left" in log_text:
            return ("the sandbox workspace is full: raise sandbox.workspace_bytes (docker) or free disk space, "
                    "or lower judge.kernel.max_saved_output_bytes")
        return f"make the problem run on {self.device}: {log_text}"

    def _candidate_files(self, problem: Problem, source: str) -> tuple[dict[str, bytes], str]:
        key = cache_key(
            source, self.backend.toolchain_id(self.image), self.device, WORKER_VERSION
        )
        files = {"inputs.py": problem.inputs_source.encode(), "candidate.py": source.encode()}
        cached = self._recent_builds.get(key) or self.cache.get(key)
        if cached:
            files["ext_cache.tar"] = cached
        return files, key

    def _run_candidate(self, problem: Problem, source: str, plans: list[dict]) -> tuple[list[_Side], RunResult]:
        """The candidate's processes in one sandbox; a build is kept for the next runs."""
        files, key = self._candidate_files(problem, source)
        builds = "load_inline" in source and "ext_cache.tar" not in files
        wall = self.run_timeout_s + (self.build_timeout_s if builds else 0.0)
        specs = [self._spec("candidate", "check", **plan) for plan in plans]
        cands, run = self._run_sides("candidate", files, specs, wall)
        tar = run.files.get("out0/ext.tar")
        if tar:
            self.cache.put(key, tar)
            # The timing processes load this build even when no cache_dir is configured.
            self._recent_builds[key] = tar
            while len(self._recent_builds) > 8:
                self._recent_builds.pop(next(iter(self._recent_builds)))
        for cand in cands:
            failure = _side_failure(cand, "candidate")
            if failure is not None:
                failure.backend, failure.isolation = run.backend, run.isolation
                failure.details = {"build": cand.record.get("build") if cand.record else None}
                raise _Fail(failure)
        return cands, run

    def _trials_per_process(self, per_call_s: float) -> int:
        """Timed calls in each timing process: `time_target_s` of reference time split over
        the processes, within [min_trials, max_trials]."""
        if per_call_s <= 0 or self.time_target_s <= 0:
            return self.min_trials
        wanted = int(self.time_target_s / self.timing_processes / per_call_s)
        return max(self.min_trials, min(self.max_trials, wanted))

    def _timing_rounds(
        self, problem: Problem, source: str, plans: list[dict], tol: ComparisonLimits,
        looks: sequential.ProcessLooks | None,
    ) -> tuple[list[_Side], list[_Side], str]:
        """One reference and one candidate process per plan in the order R C, C R, C R, R C, …
        (ABBA), so that each side goes first equally often and linear drift cancels. Measured
        with R C, C R, R C (3 rounds, the reference first twice): identical code on the
        candidate's side came out 0.80x-0.87x on the convolutions, every time; the process that
        follows another one runs slower (the sandbox's own clean-up of the previous run overlaps
        it). Looks fall after every second round, so a stop never leaves that order unbalanced.
        Returns both sides' processes and why timing stopped (a decision of `looks`, or
        "max_processes")."""
        refs: list[_Side] = []
        cands: list[_Side] = []
        for k, plan in enumerate(plans):
            for role in (("reference", "candidate") if k % 4 in (0, 3) else ("candidate", "reference")):
                if role == "reference":
                    refs += self._run_reference(problem, [plan])
                else:
                    cands += self._run_candidate(problem, source, [plan])[0]
            self._check_trials(refs[-1], cands[-1], tol)
            if looks and looks.due(k + 1):
                decision = looks.look([_timing_times(r) for r in refs], [_timing_times(c) for c in cands])
                if decision:
                    return refs, cands, decision
        return refs, cands, "max_processes"

    # ------------------------------------------------------------------ checks

    def _check_trials(self, ref: _Side, cand: _Side, tol: ComparisonLimits) -> None:
        expected = {t["seed"]: t for t in ref.record["trials"]}
        ref_blobs = {t["seed"]: ref.blob(t["output"]) for t in ref.record["trials"] if t.get("output") is not None}
        samples = {t["seed"]: ref.blob(t["sample"]) for t in ref.record["trials"] if t.get("sample") is not None}
        self._check_calls(expected, ref_blobs, cand, tol, samples)
        missing = {
            t["seed"] for t in ref.record["trials"]
        } - {t["seed"] for t in cand.record["trials"]}
        if missing:
            raise _Fail(Evaluation.failure(
                Status.REJECTED, f"the candidate skipped {len(missing)} of the judged calls",
                failing_test="trials",
            ))

    def _check_calls(
        self, expected: dict, ref_blobs: dict, cand: _Side, tol: ComparisonLimits, ref_samples: dict | None = None
    ) -> None:
        for n, trial in enumerate(cand.record["trials"]):
            seed = trial["seed"]
            name = f"{trial['phase']} trial {n}"
            if seed not in expected:
                raise _Fail(Evaluation.failure(Status.REJECTED, f"{name}: unknown seed", failing_test=name))
            if trial.get("aliases_input"):
                raise _Fail(Evaluation.failure(
                    Status.REJECTED, f"{name}: the output shares memory with an input",
                    failing_test=name,
                ))
            if trial.get("inputs_after") != expected[seed].get("inputs_before"):
                raise _Fail(Evaluation.failure(
                    Status.REJECTED, f"{name}: the candidate modified its inputs",
                    failing_test=name,
                ))
            if expected[seed].get("output") is None and (ref_samples or {}).get(seed) is not None:
                # An output too large to keep whole: the same sampled elements of both sides
                # compared element by element (a small error everywhere can hide in the
                # projections below, whose bound is several times the tolerance's norm).
                _compare_saved(ref_samples[seed], cand, trial["sample"], tol, name, "sampled outputs",
                               f"{name} (sampled elements)")
            if expected[seed].get("output") is None:
                try:
                    verdict = check_fingerprint(expected[seed]["fingerprint"], trial["fingerprint"], tol, name)
                except (KeyError, TypeError, ValueError) as exc:
                    verdict = Verdict(Status.REJECTED, f"{name}: malformed trial record ({exc})")
                if verdict is not None and trial["phase"] == "correctness" and "does not match" in verdict.message:
                    # A correctness call too large to keep whole: a mismatch is a wrong answer.
                    verdict = Verdict(Status.WRONG_ANSWER, (
                        f"{name}: the output differs from the reference beyond tolerance (checked by "
                        "random projections: the output is larger than judge.kernel.max_saved_output_bytes)"))
                if verdict is not None:
                    raise _Fail(Evaluation.failure(verdict.status, verdict.message, failing_test=name))
                continue
            _compare_saved(ref_blobs[seed], cand, trial["output"], tol, name, "outputs", name)

    # ------------------------------------------------------------------ re-verification

    def _reverify(
        self, problem: Problem, source: str, tol: ComparisonLimits, rng: _Seeds,
        summary: SpeedupSummary, details: dict,
    ) -> Verdict | None:
        """Runner-clock timing of both sides (1 vs 1+n calls) with every output re-checked."""
        cap = self.reverify_max_calls

        def calls_for(per_call_s: float) -> int:
            return int(min(cap, max(5, math.ceil(self.reverify_target_s / max(per_call_s, 1e-9)))))

        n_ref = calls_for(summary.baseline_s)
        # Budget the candidate as if its claim were false, so a forger costs at most
        # FORGER_BUDGET x reverify_target_s per step; a genuine fast kernel then still
        # runs long enough for its work to stand out of the start-up noise.
        n_cand = min(calls_for(summary.candidate_s),
                     max(5, int(FORGER_BUDGET * self.reverify_target_s / summary.baseline_s) + 5))
        # What the n calls would cost if the claim were false must stand well out of the
        # noise, or nothing can be verified: fail closed, before spending any step on it.
        forger_s = n_cand * summary.baseline_s
        if forger_s < RESOLVE_FACTOR * self.reverify_noise_s:
            details["reverify"] = {"claimed_speedup": summary.speedup, "candidate_calls": n_cand,
                                   "forger_s": forger_s, "noise_allowance_s": self.reverify_noise_s}
            return Verdict(
                Status.REJECTED,
                f"re-verification: {n_cand} calls at the reference's speed would take only "
                f"{forger_s:.3g}s, within {RESOLVE_FACTOR} x the runner clock's noise "
                f"({self.reverify_noise_s:g}s): a claim of {summary.speedup:.3g}x cannot be confirmed "
                "(raise judge.kernel.reverify_max_calls or reverify_target_s)",
            )
        init = {"init_seed": rng.init, "probe_seed": rng.probe}

        def plan(n: int) -> list[list[int]]:
            return [rng.take(n + 1) for _ in range(2 * self.reverify_reps)]

        cand_pools, ref_pools = plan(n_cand), plan(n_ref)
        cand_specs = [
            self._spec("candidate", "count", count_seeds=pool, calls=1 if k % 2 == 0 else len(pool), **init)
            for k, pool in enumerate(cand_pools)
        ]
        called = [seed for spec in cand_specs for seed in spec["count_seeds"][: spec["calls"]]]
        truth = self._spec("reference", "count", count_seeds=called, calls=len(called), **init)
        ref_specs = [truth] + [
            self._spec("reference", "count", count_seeds=pool, calls=1 if k % 2 == 0 else len(pool), **init)
            for k, pool in enumerate(ref_pools)
        ]
        wall = 2 * self.run_timeout_s + 4 * self.reverify_target_s
        ref_sides, _ = self._run_sides("reference", {"problem.py": problem.source.encode()}, ref_specs, wall)
        for side in ref_sides:
            failure = _side_failure(side, "reference")
            if failure is not None:
                return Verdict(
                    Status.REJECTED,
                    f"re-verification: the reference run failed ({failure.message}); speedup not confirmed",
                )
        files, _ = self._candidate_files(problem, source)
        cand_sides, _ = self._run_sides("candidate", files, cand_specs, wall)
        truth_side = ref_sides[0]
        expected = {t["seed"]: t for t in truth_side.record["trials"]}
        ref_blobs: dict = {}
        for side, _pool, spec in zip(cand_sides, cand_pools, cand_specs, strict=False):
            failure = _side_failure(side, "candidate")
            if failure is not None:
                return Verdict(failure.status if failure.status is not Status.OK else Status.REJECTED,
                               f"re-verification: {failure.message}")
            if len(side.record["trials"]) != spec["calls"]:
                return Verdict(Status.REJECTED, "re-verification: the candidate skipped calls")
            try:
                self._check_calls(expected, ref_blobs, side, tol)
            except _Fail as failed:
                return Verdict(Status.REJECTED, f"re-verification: {failed.evaluation.message}")

        # On CPU the runner's CPU time (user + system of the step and its reaped children)
        # is the measure: it is as far outside the candidate's reach as the wall clock but
        # barely moves when other jobs share the cores. On GPU the host thread mostly
        # waits, so only the wall clock means anything.
        clock = "wall" if self.device == "cuda" else "cpu"

        def seconds(step: StepResult) -> float:
            return step.wall_time_s if clock == "wall" else step.cpu_time_s

        def extra_s(sides: list[_Side]) -> float:
            """Seconds the n extra calls added to a step, averaged over the reps."""
            lo = sum(seconds(s.step) for s in sides[0::2])
            hi = sum(seconds(s.step) for s in sides[1::2])
            return (hi - lo) / self.reverify_reps

        ref_extra, cand_extra = extra_s(ref_sides[1:]), extra_s(cand_sides)
        ref_s, cand_s = ref_extra / n_ref, cand_extra / n_cand
        host_speedup = ref_s / cand_s if cand_s > 0 else math.inf
        # The claim fails only on evidence: the candidate's extra calls took longer than the
        # agreement allows by more than a step's start-up noise. A genuine fast kernel's n
        # calls can vanish in that noise (even measure negative); a forger's n calls run at
        # reference speed, FORGER_BUDGET x reverify_target_s of work, and cannot.
        allowed_s = max(0.0, n_cand * ref_s / (self.reverify_agreement * summary.speedup))
        excess_s = cand_extra - allowed_s
        details["reverify"] = {
            "claimed_speedup": summary.speedup,
            "runner_clock_speedup": host_speedup if math.isfinite(host_speedup) else None,
            "reference_per_call_s": ref_s,
            "candidate_per_call_s": cand_s,
            "reference_calls": n_ref,
            "candidate_calls": n_cand,
            "reps": self.reverify_reps,
            "clock": clock,
            "candidate_excess_s": excess_s,
            "noise_allowance_s": self.reverify_noise_s,
            "reference_step_s": [seconds(s.step) for s in ref_sides[1:]],
            "candidate_step_s": [seconds(s.step) for s in cand_sides],
        }
        if excess_s > self.reverify_noise_s:
            return Verdict(
                Status.REJECTED,
                f"re-verification: claimed {summary.speedup:.3g}x but the sandbox runner's {clock} clock "
                f"measures {host_speedup:.3g}x: {n_cand} calls took {cand_extra:.3g}s, "
                f"{excess_s:.3g}s more than {self.reverify_agreement:g} of the claim allows",
            )
        log.info("re-verified %.3gx (runner clock %.3gx)", summary.speedup, host_speedup)
        return None


# What a process says when it hits its address-space limit (RLIMIT_AS), torch's loader included.
MEMORY_WORDS = ("can't allocate memory", "Cannot allocate memory", "MemoryError", "out of memory",
                "failed to map segment")
# A sample of 0 s (a forged or coarse clock) would make a ratio infinite; floor it so the
# claim is huge and goes to re-verification instead of crashing the statistics.
MIN_SAMPLE_S = 1e-9


def _timing_times(side: _Side) -> list[float]:
    return [max(MIN_SAMPLE_S, float(t["time_s"])) for t in side.record["trials"] if t["phase"] == "timing"]


def _early_note(details: dict) -> str:
    reason = details.get("stop_reason")
    if reason == sequential.BELOW_INCUMBENT:
        return f"; stopped early: below the search's best (>= {details['incumbent']:.3g}x)"
    return "; decided early" if reason in sequential.DECISIONS else ""


def static_checks_presets() -> list[str]:
    return sorted(static_checks.PRESETS)


class _Seeds:
    """Seeds for one evaluation, derived from its master seed (recorded in the Evaluation)."""

    def __init__(self, master: int) -> None:
        import random

        self._rng = random.Random(master)
        self.init = self.next()
        self.probe = self.next()

    def next(self) -> int:
        return self._rng.randrange(1, 2**62)

    def take(self, n: int) -> list[int]:
        return [self.next() for _ in range(n)]


def _side_failure(side: _Side, role: str) -> Evaluation | None:
    """The Evaluation of a failed worker step, or None if the step completed."""
    step, record = side.step, side.record
    stderr = step.stderr.decode(errors="replace")
    phase = side.phase or "start"
    if step.timed_out:
        return Evaluation.failure(
            Status.TIMEOUT,
            f"the {role} ran past {step.wall_time_s:.0f}s (phase: {phase})",
            runtime_log=truncate(stderr), failing_test=phase,
        )
    if step.memory_exceeded:
        return Evaluation.failure(
            Status.MEMORY_EXCEEDED, f"the {role} exceeded its memory limit (phase: {phase})",
            runtime_log=truncate(stderr), failing_test=phase,
        )
    if record is None or step.exit_code != 0:
        how = f"signal {step.signal}" if step.signal else f"exit code {step.exit_code}"
        return Evaluation.failure(
            Status.RUNTIME_ERROR,
            f"the {role} process died ({how}) during {phase}",
            runtime_log=truncate(stderr), failing_test=phase,
        )
    malformed = _malformed_record(record)
    if malformed:
        # The record is written inside the candidate's process, within its reach: a shape
        # the harness never writes is the candidate's doing, and nothing in it is read.
        return Evaluation.failure(
            Status.REJECTED, f"the {role} process wrote a malformed record of its calls ({malformed})",
            runtime_log=truncate(stderr), failing_test="record",
        )
    error = record.get("error")
    if not error:
        return None
    status = KIND_STATUS.get(error["kind"], Status.RUNTIME_ERROR)
    log_text = truncate(error.get("log") or "")
    return Evaluation.failure(
        status,
        error["message"],
        compile_log=log_text if status is Status.COMPILE_ERROR else "",
        runtime_log=log_text if status is not Status.COMPILE_ERROR else truncate(stderr),
        failing_test=phase,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _malformed_record(record: dict) -> str | None:
    """What in a worker's record the harness would never have written, or None. Checked:
    every field the host reads, with the types it reads them as."""
    error = record.get("error")
    if error is not None and not (isinstance(error, dict) and isinstance(error.get("kind"), str)
                                  and isinstance(error.get("message"), str)):
        return "error is not a {kind, message} object"
    offsets = record.get("offsets")
    if not isinstance(offsets, list) or not all(
            isinstance(o, list) and len(o) == 2 and all(_is_int(v) and v >= 0 for v in o) for o in offsets):
        return "offsets are not [start, size] pairs"
    trials = record.get("trials")
    if not isinstance(trials, list):
        return "trials is not a list"
    for n, trial in enumerate(trials):
        if not isinstance(trial, dict) or not _is_int(trial.get("seed")) or not isinstance(trial.get("phase"), str):
            return f"trial {n} has no seed or phase"
        if "output" not in trial:
            return f"trial {n} has no output entry"
        for key in ("output", "sample"):
            index = trial.get(key)
            if index is not None and not (_is_int(index) and 0 <= index < len(offsets)):
                return f"trial {n}'s {key} points to no saved blob"
        if "time_s" in trial and not (isinstance(trial["time_s"], (int, float))
                                      and not isinstance(trial["time_s"], bool) and math.isfinite(trial["time_s"])):
            return f"trial {n}'s time is not a number"
    return None


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
