"""The two sides of a kernel judgement as sandbox runs: what a worker is told, what it
reports, and which of its reports the host believes.

`WorkerSpec` is the one shape of what `worker.py` reads (it imports nothing of MaxCode, so it
reads the JSON). `Sides` runs reference and candidate steps, each a `Backend.run` of the
worker in a fresh sandbox, and keeps the content-addressed caches of candidate builds and of
torch.compile's output for a problem. What a worker reports is read once, by
`record.parse_record` (the trust rule for its shape); `side_failure` decides whether a step
failed, and a failure it reports is taken at its word (it can only hurt the side).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from maxcode.records.errors import TaskError
from maxcode.records.evaluation import Evaluation, Status, truncate
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.judges.kernel.extension_cache import ExtensionCache, cache_key
from maxcode.sandbox.judges.kernel.problem import Problem
from maxcode.sandbox.judges.kernel.worker_report import MalformedRecord, WorkerRecord, parse_record
from maxcode.sandbox.run_spec import GiB, Limits, RunResult, RunSpec, Step, StepResult

WORKER = Path(__file__).with_name("worker.py")
WORKER_VERSION = "7"
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
# What the sandbox's warm interpreter has imported before it forks a worker step: the
# worker's own imports, and load_inline's for both sides alike (sandbox/runner/zygote.py).
# A fresh interpreter spent ~0.9 s of its ~1.1 s importing these, in every process.
WARM_MODULES = "numpy,torch,torch.utils.cpp_extension"
# And for the timing processes of a judgement with the torch.compile baseline (both sides, so
# both fork from the same interpreter): inductor's imports (~1.9 s a process) and two answers
# it caches in memory, the hash of torch's own sources (~0.2 s) and the vector ISAs to compile
# for (see VEC_ISA_OK). Only where asked: the zygote pays ~2.5 s once to warm them.
WARM_COMPILER = (",torch._inductor.compile_fx,torch._inductor.codecache:torch_key"
                 ",torch._inductor.cpu_vec_isa:valid_vec_isa_list")
# Inductor checks each vector ISA the CPU reports by compiling and loading a probe program:
# 9.8 s in a fresh kernel-cpu container, 1.1 s even with its disk cache, in every process that
# compiles the reference (of a 1.5 s compile that hit the cache, on 19_ReLU). The image's
# compiler (gcc 12) builds every x86 ISA inductor knows, and with the check skipped the list
# was the same (avx512_vnni, avx512, avx2 on this machine kind): the CPU's own flags decide.
VEC_ISA_OK = {"TORCHINDUCTOR_VEC_ISA_OK": "1"}
# Worker failure kind -> status. Anything not listed is a runtime error.
KIND_STATUS = {
    "build": Status.COMPILE_ERROR,
    "missing_class": Status.COMPILE_ERROR,
    "fake_output": Status.REJECTED,
    # The meter refused what it saw (a second process, unreadable memory, a malformed report).
    "measurement": Status.REJECTED,
}
# What a process says when it hits its address-space limit (RLIMIT_AS), torch's loader included.
MEMORY_WORDS = ("can't allocate memory", "Cannot allocate memory", "MemoryError", "out of memory",
                "failed to map segment")
# A sample of 0 s (a forged or coarse clock) would make a ratio infinite; floor it so the
# claim is huge and goes to re-verification instead of crashing the statistics.
MIN_SAMPLE_S = 1e-9


class JudgeFailure(Exception):
    """Carries the Evaluation of a failed stage up to `KernelJudge.evaluate`."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation


@dataclass
class WorkerSpec:
    """What one worker step does (`worker.py` reads it as JSON; see its docstring for modes)."""

    role: str
    """reference | candidate"""
    mode: str
    """check (correctness, warm-up, timed calls) | count (calls for the runner's clock)"""
    device: str
    threads: int | None
    init_seed: int
    probe_seed: int
    correctness_seeds: list[int] = field(default_factory=list)
    warmup_seeds: list[int] = field(default_factory=list)
    timing_seeds: list[int] = field(default_factory=list)
    full_output_seeds: list[int] | None = None
    """Candidate: the correctness calls whose outputs are kept whole (the reference decided)."""
    max_saved_output_bytes: int | None = None
    """Reference: correctness outputs kept whole up to this size, the rest fingerprinted."""
    compile_baseline: bool = False
    pack_compile_cache: bool = False
    calls_per_window: int = 1
    """Metered timing: calls timed back to back in one window (the meter's cost shared)."""
    call_bytes: int | None = None
    """Metered timing: one call's inputs and outputs (the reference's), to size the heap."""
    count_seeds: list[int] = field(default_factory=list)
    calls: int = 0
    whole_uid: bool = False
    """The sandbox gives the side a uid no other process has (the meter stops all of it)."""
    out_dir: str = "out"
    inputs_module: str = ""
    module: str = ""
    class_name: str = ""

    def __post_init__(self) -> None:
        reference = self.role == "reference"
        self.inputs_module = self.inputs_module or ("problem.py" if reference else "inputs.py")
        self.module = self.module or ("problem.py" if reference else "candidate.py")
        self.class_name = self.class_name or ("Model" if reference else "ModelNew")

    def to_json(self) -> bytes:
        # Unset options are left out: the worker tells "not given" from a value.
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}).encode()


@dataclass
class Side:
    """What one worker step produced, read back on the host."""

    step: StepResult
    record: WorkerRecord | None
    """None when the step left no record, or one in a shape the harness never writes."""
    outputs: bytes
    phase: str
    files: dict[str, bytes] = field(default_factory=dict)
    malformed: str | None = None
    """What was off in a record the harness would never have written."""

    def blob(self, index: int) -> bytes:
        start, size = self.record.offsets[index]  # type: ignore[union-attr]
        return self.outputs[start : start + size]

    def timing_times(self) -> list[float]:
        return [max(MIN_SAMPLE_S, t.time_s) for t in self.record.timing_trials()]  # type: ignore[union-attr]


class Seeds:
    """Seeds for one evaluation, derived from its master seed (recorded in the Evaluation)."""

    def __init__(self, master: int) -> None:
        self._rng = random.Random(master)
        self.init = self.next()
        self.probe = self.next()

    def next(self) -> int:
        return self._rng.randrange(1, 2**62)

    def take(self, n: int) -> list[int]:
        return [self.next() for _ in range(n)]


@dataclass
class Sides:
    """Runs worker steps of either side in the sandbox, and keeps builds for the next runs."""

    backend: Backend
    device: str
    threads: int | None
    python: str
    image: str
    memory_bytes: int
    run_timeout_s: float
    build_timeout_s: float
    cache: ExtensionCache
    """Candidates' builds, by source, toolchain and device (on disk when a cache_dir is set)."""
    compiled_references: ExtensionCache = field(default_factory=lambda: ExtensionCache(None, keep=4))
    """torch.compile's cache per problem (`compile_baseline`), as a reference process packed
    it, kept across judgements and runs (on disk when a cache_dir is set)."""

    def spec(self, role: str, mode: str, seeds: Seeds, **fields: Any) -> WorkerSpec:
        return WorkerSpec(role, mode, self.device, self.threads, seeds.init, seeds.probe,
                          whole_uid=bool(getattr(self.backend, "dedicated_uid", False)), **fields)

    def metered(self, spec: WorkerSpec) -> bool:
        """Whether the step's calls are timed by the meter, outside the side's process (worker.py):
        every CPU check. CUDA calls are timed in the process by CUDA events (a claim: see
        docs/threat-model.md), and count steps by the runner's clock around the step."""
        return spec.mode == "check" and self.device == "cpu"

    def env(self) -> dict[str, str]:
        env = {"PYTHONDONTWRITEBYTECODE": "1", "MAX_JOBS": "2", "GLIBC_TUNABLES": MALLOC_TUNABLES, **VEC_ISA_OK}
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        return env

    def _step(self, index: int, wall_s: float, label: str, metered: bool, compiler: bool) -> Step:
        return Step(
            argv=[self.python, "-I", "-B", f"worker_{index}.py", f"spec_{index}.json", *(["metered"] if metered else [])],
            limits=Limits(
                wall_time_s=wall_s,
                memory_bytes=self.memory_bytes,
                max_processes=256,
                output_bytes=4 * GiB,
            ),
            label=label,
            stop_on_failure=False,
            warm=WARM_MODULES + (WARM_COMPILER if compiler else ""),
        )

    def run(
        self, role: str, files: dict[str, bytes], specs: list[WorkerSpec], wall_s: float,
        extra_collect: list[str] = (),
    ) -> tuple[list[Side], RunResult]:
        """One sandbox run of `specs` in order; each step's record and outputs read back."""
        files = dict(files)
        worker = WORKER.read_bytes()
        inputs = files.pop("inputs.py", None)
        collect: list[str] = list(extra_collect)
        steps = []
        for i, spec in enumerate(specs):
            spec = replace(spec, out_dir=f"out{i}")
            # Every step gets its own harness (and input module) copy, which it deletes
            # before candidate code runs.
            files[f"worker_{i}.py"] = worker
            if inputs is not None:
                files[f"inputs_{i}.py"] = inputs
                spec.inputs_module = f"inputs_{i}.py"
            files[f"spec_{i}.json"] = spec.to_json()
            collect += [f"out{i}/result.json", f"out{i}/outputs.bin", f"out{i}/phase", f"out{i}/ext.tar"]
            steps.append(self._step(i, wall_s, f"{role}/{spec.mode}/{i}", self.metered(spec),
                                    compiler=spec.compile_baseline))
        run = self.backend.run(
            RunSpec(steps=steps, files=files, collect=collect, image=self.image, env=self.env())
        )
        sides = []
        for i, step in enumerate(run.steps):
            record, malformed = read_record(run.files.get(f"out{i}/result.json"))
            sides.append(
                Side(
                    step=step,
                    record=record,
                    outputs=run.files.get(f"out{i}/outputs.bin", b""),
                    phase=run.files.get(f"out{i}/phase", b"").decode(errors="replace"),
                    files=run.files,
                    malformed=malformed,
                )
            )
        return sides, run

    def reference(self, problem: Problem, specs: list[WorkerSpec]) -> list[Side]:
        """The problem's own Model in these steps; a failure is the task's (TaskError)."""
        files = {"problem.py": problem.source.encode()}
        wall = self.run_timeout_s
        key = None
        if any(spec.compile_baseline for spec in specs):
            # The compiler's cache of this problem, made by the first reference process that
            # compiled it (never by a candidate's), spares the others most of the compile.
            # The sandbox's torch is the image's (in its toolchain id) or, locally, this one.
            key = cache_key("inductor", problem.source, self.backend.toolchain_id(self.image), self.device,
                            torch.__version__, WORKER_VERSION)
            stored = self.compiled_references.get(key)
            if stored:
                files["inductor.tar"] = stored
            else:
                specs = [replace(specs[0], pack_compile_cache=True), *specs[1:]]
                wall += self.build_timeout_s
        refs, run = self.run("reference", files, specs, wall,
                             extra_collect=[f"out{i}/inductor.tar" for i in range(len(specs))])
        packed = run.files.get("out0/inductor.tar")
        if key is not None and packed and side_failure(refs[0], "reference") is None:
            self.compiled_references.put(key, packed)
        for ref in refs:
            failure = side_failure(ref, "reference")
            if failure is not None:
                raise TaskError(
                    f"the reference (problem's Model) failed, so no candidate can be judged: {failure.message}",
                    self._reference_fix(ref, failure),
                )
        return refs

    def _reference_fix(self, ref: Side, failure: Evaluation) -> str:
        """A reference that fails hit a limit of the judge, or the problem is broken: say which."""
        step = ref.step
        log_text = truncate(failure.runtime_log, 600)
        if step.timed_out:
            return f"raise judge.kernel.limits.run_timeout_s (now {self.run_timeout_s:g}s) for a problem this large"
        text = f"{failure.message} {failure.runtime_log}"
        if step.memory_exceeded or any(w in text for w in MEMORY_WORDS):
            return (f"raise judge.kernel.limits.memory_bytes (now {self.memory_bytes / GiB:g} GiB) if the machine "
                    "has the memory for this problem's size")
        if step.output_exceeded or "No space left" in log_text:
            return ("the sandbox workspace is full: raise sandbox.workspace_bytes (docker) or free disk space, "
                    "or lower judge.kernel.checks.max_saved_output_bytes")
        return f"make the problem run on {self.device}: {log_text}"

    def candidate_files(self, problem: Problem, source: str) -> tuple[dict[str, bytes], str]:
        """The candidate's workspace (never the reference's Model) and its build's cache key."""
        key = cache_key(
            source, self.backend.toolchain_id(self.image), self.device, WORKER_VERSION
        )
        files = {"inputs.py": problem.inputs_source.encode(), "candidate.py": source.encode()}
        cached = self.cache.get(key)
        if cached:
            files["ext_cache.tar"] = cached
        return files, key

    def candidate(self, problem: Problem, source: str, specs: list[WorkerSpec]) -> tuple[list[Side], RunResult]:
        """The candidate's processes in one sandbox; a build is kept for the next runs, and a
        failed step ends the judgement (JudgeFailure)."""
        files, key = self.candidate_files(problem, source)
        builds = "load_inline" in source and "ext_cache.tar" not in files
        wall = self.run_timeout_s + (self.build_timeout_s if builds else 0.0)
        cands, run = self.run("candidate", files, specs, wall)
        tar = run.files.get("out0/ext.tar")
        if tar:
            # The timing processes load this build (from memory when no cache_dir is set).
            self.cache.put(key, tar)
        for cand in cands:
            failure = side_failure(cand, "candidate")
            if failure is not None:
                failure.backend, failure.isolation = run.backend, run.isolation
                failure.details = {"build": cand.record.build if cand.record else None}
                raise JudgeFailure(failure)
        return cands, run


def side_failure(side: Side, role: str) -> Evaluation | None:
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
    if side.malformed and step.exit_code == 0:
        # The record is written inside the candidate's process, within its reach: a shape
        # the harness never writes is the candidate's doing, and nothing in it is read.
        return Evaluation.failure(
            Status.REJECTED, f"the {role} process wrote a malformed record of its calls ({side.malformed})",
            runtime_log=truncate(stderr), failing_test="record",
        )
    if record is None or step.exit_code != 0:
        how = f"signal {step.signal}" if step.signal else f"exit code {step.exit_code}"
        return Evaluation.failure(
            Status.RUNTIME_ERROR,
            f"the {role} process died ({how}) during {phase}",
            runtime_log=truncate(stderr), failing_test=phase,
        )
    error = record.error
    if error is None:
        return None
    status = KIND_STATUS.get(error.kind, Status.RUNTIME_ERROR)
    log_text = truncate(error.log)
    return Evaluation.failure(
        status,
        error.message,
        compile_log=log_text if status is Status.COMPILE_ERROR else "",
        runtime_log=log_text if status is not Status.COMPILE_ERROR else truncate(stderr),
        failing_test=phase,
    )


def read_record(raw: bytes | None) -> tuple[WorkerRecord | None, str | None]:
    """A step's result file as a typed record, or None and (for a record in a shape the
    harness never writes) what is off. No file or invalid JSON: no record, nothing said."""
    if not raw:
        return None, None
    try:
        data = json.loads(raw)
    except ValueError:
        return None, None
    try:
        return parse_record(data), None
    except MalformedRecord as malformed:
        return None, str(malformed)
