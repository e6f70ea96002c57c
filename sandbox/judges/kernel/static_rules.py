"""The static checks' rule catalogue: what a finding is, and why each rule exists.

Each rule is a named constant with its rationale, and every finding quotes its rule's attack
and fix, so a proposer reading a rejection knows what it was suspected of and what to do
instead. What trips a rule is its check's business (`static_tamper`, `static_kernel_work`);
whether it rejects, warns or stays silent is the preset's (`static_checks.PRESETS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    attack: str
    """What the rule stops, said in every finding so a proposer knows why."""
    fix: str
    """What a legitimate candidate does instead."""


# Rationale: timers, files, processes, ctypes and introspection all start with an import;
# a kernel candidate needs torch and a few pure helpers, so anything else is suspect.
FORBIDDEN_IMPORT = Rule(
    "forbidden-import", "imports a module outside the allowlist",
    "an unlisted module may reach the clocks, files or processes the harness relies on",
    "use only torch, numpy, math and the pure standard helpers")
# Rationale: these modules give direct access to clocks, files, processes, threads, raw
# memory or the interpreter's internals (the harness shares the candidate's interpreter).
DENIED_IMPORT = Rule(
    "denied-import", "imports a module that can tamper with the harness",
    "it reaches clocks, files, processes, threads or interpreter internals shared with the timing harness",
    "remove the import; pass build options through load_inline's arguments")
# Rationale: exec/eval/getattr with computed names defeat every other AST rule.
DYNAMIC_CODE = Rule(
    "dynamic-code", "runs or looks up code dynamically",
    "code built or looked up at run time escapes every other check",
    "call functions by their names")
# Rationale: `__globals__`, `__subclasses__`, frames... reach the harness's objects.
INTROSPECTION = Rule(
    "introspection", "uses dunder or frame attributes",
    "dunder and frame attributes reach the harness's objects in the same interpreter",
    "use the tensors and modules you were given")
# Rationale: assigning to torch.allclose, time.perf_counter, torch.cuda.synchronize, ...
# changes what the harness (same interpreter) measures or checks. Not a patch: constant
# settings under torch.backends (cudnn.benchmark, cudnn.deterministic, ...), which change
# only how this process computes and leave the numbers to the numeric checks (the precision
# ones are PRECISION_DOWNGRADE's).
MONKEY_PATCH = Rule(
    "monkey-patch", "assigns to an attribute of a module",
    "replacing a torch or time function changes what the harness in this process measures or compares",
    "bind your own names instead (constant torch.backends settings such as cudnn.benchmark are fine)")
# Rationale: TF32 matmuls, fp16/bf16 casts and autocast under an fp32 task trade accuracy
# the task did not give up for speed (the published "11x" that was 1.04x). The numeric
# checks catch the large errors; this names the cause and catches the ones within tolerance.
PRECISION_DOWNGRADE = Rule(
    "precision-downgrade", "computes an fp32 task in lower precision",
    "TF32, fp16, bf16 or autocast buy speed with accuracy an fp32 task does not give up",
    "compute in float32 (lower precision is fine when the problem's own tensors are half)")
# Rationale: a try/except around the kernel can fall back to the reference op unseen.
TRY_EXCEPT = Rule(
    "try-except", "uses try/except (fallback path)",
    "an except branch can fall back to the PyTorch op, so the kernel need never work",
    "let a failing kernel fail; check inputs with if/TORCH_CHECK")
# Rationale: KernelBench's inheritance bypass (`class ModelNew(Model): pass`). Our
# candidates cannot import Model, so only the kernelbench preset turns it on.
PASS_STATEMENT = Rule(
    "pass-statement", "contains a pass statement",
    "KernelBench rejects `pass` as the inheritance bypass `class ModelNew(Model): pass`",
    "remove the pass statement")
# Rationale: a Tensor subclass or __torch_function__ can defer the work until the output
# is read, outside the timed region, or fake the comparison.
TENSOR_SUBCLASS = Rule(
    "tensor-subclass", "defines or builds a tensor subclass or fake tensor",
    "a lazy or fake tensor defers the work past the timer or fakes the comparison",
    "return plain tensors computed in forward")
# Rationale: reading the problem module, saved outputs or weights from disk lets a
# candidate replay answers instead of computing them.
FILE_ACCESS = Rule(
    "file-access", "reads or writes files",
    "files let a candidate replay saved answers or read the reference",
    "keep sources in strings and build them with load_inline")
# Rationale: threads and processes can finish work after the timer stopped or slow
# down whatever runs next.
THREADS = Rule(
    "threads", "starts threads, processes or async work",
    "work left running after forward returns escapes the timer",
    "parallelise inside the kernel (OpenMP, CUDA)")
# Rationale: work left on a side stream when forward returns races whoever reads the output
# (the caller's next op on the current stream sees it half-written) and escapes
# default-stream timing events. Our timer synchronizes the whole device, so the numbers are
# safe either way; what is rejected is a side stream never joined back, the hazard.
SIDE_STREAM = Rule(
    "side-stream", "uses CUDA side streams and never joins them back",
    "work left on a side stream races the caller reading the output and escapes default-stream timing events",
    "launch on the current stream, or join the side stream back before returning "
    "(torch.cuda.current_stream().wait_stream(s), or s.synchronize())")
# Rationale: recorded, not rejected: side streams joined back to the current stream
# (wait_stream, wait_event, synchronize) overlap work inside forward; the judge's
# device-wide synchronize keeps all of it inside the timed interval.
SIDE_STREAM_JOINED = Rule(
    "side-stream-joined", "uses CUDA side streams joined back to the current stream",
    "overlapped work; timed with a device-wide synchronize, so none of it escapes the timer",
    "none needed")
# Rationale: torch._C, torch._dynamo, ... expose the dispatcher, the clocks and hooks. Not
# private for this rule: PyTorch's own pure initialisation and argument helpers that
# models use as PyTorch does (PRIVATE_HELPERS).
PRIVATE_API = Rule(
    "private-api", "uses a private torch API",
    "torch._C, torch._dynamo and the like expose the dispatcher, clocks and hooks",
    "use public torch APIs (nn.init's helpers and nn.modules.utils._pair are fine)")
# Rationale: native code runs in the harness's process; these calls escape the checks.
NATIVE_ESCAPE = Rule(
    "native-escape", "native source calls into processes, files or the interpreter",
    "native code runs in the harness's process and these calls escape every check",
    "keep the kernel to computation on its tensors")
# Rationale: the task asks for a custom kernel; without load_inline there is none.
NO_CUSTOM_KERNEL = Rule(
    "no-custom-kernel", "builds no custom kernel (load_inline)",
    "the task asks for a custom kernel and there is none",
    "build one with torch.utils.cpp_extension.load_inline and call it in forward")
# Rationale: a kernel called for show (its result discarded, or never called) while the
# library computes the answer.
KERNEL_UNUSED = Rule(
    "kernel-unused", "the custom kernel's result never reaches forward's output",
    "a kernel whose result is discarded does none of the work it is credited with",
    "return (or compute the output from) what your kernel computes")
# Rationale: forward computes every op of the reference with the library (or has
# torch.compile/jit write the kernel), so the custom kernel can only copy: the baseline in
# a wrapper. Keeping some ops in the library is fine (LIBRARY_OP) while the kernel does at
# least one of the reference's ops on the output path.
REFERENCE_OP = Rule(
    "reference-op", "computes all of the reference's ops with the library",
    "when the library (or its compiler) computes every op of the reference, the custom kernel does none of its work",
    "move at least one of the reference's ops into your kernel (keeping others in the library is fine)")
# Rationale: recorded, not rejected (KernelBench warns about it too): library ops beside a
# kernel that does real work are the standard level-2 fusion (F.conv2d + a fused epilogue).
LIBRARY_OP = Rule(
    "library-op", "calls one of the reference's ops from the library beside its kernel",
    "part of the work is the library's, not the kernel's",
    "fine for a fusion; move it into the kernel to claim it")

RULES = (
    FORBIDDEN_IMPORT, DENIED_IMPORT, DYNAMIC_CODE, INTROSPECTION, MONKEY_PATCH,
    PRECISION_DOWNGRADE, TRY_EXCEPT, PASS_STATEMENT, TENSOR_SUBCLASS, FILE_ACCESS, THREADS,
    SIDE_STREAM, SIDE_STREAM_JOINED, PRIVATE_API, NATIVE_ESCAPE, NO_CUSTOM_KERNEL, KERNEL_UNUSED, REFERENCE_OP,
    LIBRARY_OP,
)


@dataclass
class Finding:
    rule: str
    line: int
    message: str
    severity: str = "error"


@dataclass
class StaticReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]
