"""AST checks of a kernel candidate, run on the host before anything executes.

They are the first line only: every exploit they target is also caught or made harmless by
the dynamic checks (process separation, fresh inputs, host-side comparison, re-verification
by the runner's clock), so a rule may be strict without being the only defence. Each rule is
a named constant with its rationale; a preset maps each rule to `error` (reject),
`warning` (recorded in the Evaluation's details) or `off`.
"""

from __future__ import annotations

import ast
import re
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
_STRICT = {
    **{r.id: "error" for r in RULES},
    PASS_STATEMENT.id: "off",
    LIBRARY_OP.id: "warning",
    SIDE_STREAM_JOINED.id: "warning",
}
# KernelBench's default policy (src/kernelbench/kernel_static_checker.py: STRICT_CHECKS plus
# the backend's implementation check reject, WARNING_CHECKS warn), mapped onto these rules:
#   code_bypass (try/except, pass)   -> try-except, pass-statement    error
#   timing_event_patch               -> monkey-patch                  error
#   thread_injection                 -> threads                       error
#   lazy_eval                        -> tensor-subclass               error
#   cuda_impl (load_inline present)  -> no-custom-kernel              error
#   pytorch_wrap, torch_computation_ops -> reference-op, library-op, kernel-unused  warning
#   stream_injection                 -> side-stream, side-stream-joined  warning
#   precision_downgrade              -> precision-downgrade           warning
# Rules KernelBench has no check for only warn: the dynamic checks (process separation,
# host-side comparison, re-verification) stand behind them, as they do behind every rule.
PRESETS: dict[str, dict[str, str]] = {
    "strict": _STRICT,
    # lenient: rules with a false-positive risk only warn (the dynamic checks stay in force).
    "lenient": {
        **_STRICT,
        FORBIDDEN_IMPORT.id: "warning",
        TRY_EXCEPT.id: "warning",
        SIDE_STREAM.id: "warning",
    },
    "kernelbench": {
        **{r.id: "warning" for r in RULES},
        TRY_EXCEPT.id: "error",
        PASS_STATEMENT.id: "error",
        MONKEY_PATCH.id: "error",
        THREADS.id: "error",
        TENSOR_SUBCLASS.id: "error",
        NO_CUSTOM_KERNEL.id: "error",
    },
    # off: for testing the dynamic checks alone; never use it on untrusted candidates.
    "off": {r.id: "off" for r in RULES},
}

ALLOWED_MODULES = frozenset({
    "torch", "math", "typing", "functools", "itertools", "collections", "dataclasses",
    "numbers", "enum", "operator", "__future__", "numpy",
})
DENIED_MODULES = frozenset({
    "os", "sys", "time", "timeit", "threading", "_thread", "multiprocessing", "subprocess",
    "concurrent", "asyncio", "ctypes", "cffi", "gc", "inspect", "importlib", "builtins",
    "signal", "socket", "pickle", "marshal", "shelve", "io", "pathlib", "shutil", "tempfile",
    "glob", "mmap", "resource", "atexit", "weakref", "traceback", "code", "codeop",
    "runpy", "psutil", "posix", "fcntl", "select", "selectors", "sched", "faulthandler",
})
THREAD_MODULES = frozenset({"threading", "_thread", "multiprocessing", "concurrent", "asyncio"})
DYNAMIC_BUILTINS = frozenset({
    "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "breakpoint",
    "setattr", "delattr", "input", "memoryview",
})
# The data model's operators and protocols: calling `x.__add__(y)` or defining `__call__`
# reaches nothing `x + y` would not. Not here: __class__, __dict__, __globals__, __del__, ...
ALLOWED_DUNDERS = frozenset({
    "__init__", "__name__", "__doc__", "__call__", "__getitem__", "__setitem__", "__len__",
    "__iter__", "__next__", "__contains__", "__enter__", "__exit__", "__repr__", "__str__",
    "__hash__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__",
    "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__",
    "__matmul__", "__neg__", "__pos__", "__abs__", "__radd__", "__rsub__", "__rmul__",
    "__rtruediv__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__and__", "__or__",
    "__xor__", "__invert__", "__int__", "__float__", "__index__", "__all__", "__version__",
})
FRAME_ATTRS = frozenset({
    "f_back", "f_globals", "f_locals", "f_code", "f_builtins", "gi_frame", "cr_frame",
    "tb_frame", "tb_next", "ag_frame",
})
FILE_CALLS = frozenset({
    "open", "load", "from_file", "fromfile", "loadtxt", "genfromtxt", "memmap",
    "read_text", "read_bytes", "write_text", "write_bytes", "save", "load_state_dict_from_url",
})
THREAD_ATTRS = frozenset({"multiprocessing", "fork", "futures", "spawn", "Thread"})
STREAM_ATTRS = frozenset({"Stream", "stream", "ExternalStream", "set_stream", "StreamContext"})
SUBCLASS_ATTRS = frozenset({
    "_make_subclass", "as_subclass", "_subclasses", "FakeTensor", "FakeTensorMode",
    "__torch_function__", "__torch_dispatch__", "_make_wrapper_subclass",
})
# PyTorch's own pure helpers, used by models to initialise and parse arguments as PyTorch
# does: they read shapes or fill parameters and touch nothing of the harness.
PRIVATE_HELPERS = frozenset({
    "torch.nn.init._calculate_fan_in_and_fan_out", "torch.nn.init._calculate_correct_fan",
    "torch.nn.init._no_grad_uniform_", "torch.nn.init._no_grad_normal_",
    "torch.nn.init._no_grad_fill_", "torch.nn.init._no_grad_zero_",
    "torch.nn.modules.utils._single", "torch.nn.modules.utils._pair",
    "torch.nn.modules.utils._triple", "torch.nn.modules.utils._quadruple",
    "torch.nn.modules.utils._ntuple", "torch.nn.modules.utils._reverse_repeat_tuple",
})
# Functions under torch.backends (replacing one is a patch; its flags are settings).
BACKEND_FUNCTIONS = frozenset({"is_available", "version", "flags", "is_acceptable", "set_flags",
                               "is_built", "preferred_linalg_library", "preferred_blas_library"})
# torch.backends settings that lower float32 precision (precision-downgrade when not False).
PRECISION_FLAGS = frozenset({
    "allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
})
LOW_PRECISION_DTYPES = frozenset({"float16", "half", "bfloat16"})
LOW_PRECISION_METHODS = frozenset({"half", "bfloat16"})
# Float -> half/bf16 conversions in native sources (not mere mentions of the types: kernels
# that dispatch on dtype name at::Half without converting float data).
NATIVE_DOWNCASTS = tuple(re.compile(p) for p in (
    r"__float2half", r"__floats2half2", r"__float2bfloat16", r"__floats2bfloat162",
    r"static_cast\s*<\s*(__)?half\s*>", r"static_cast\s*<\s*(at::|c10::)?(Half|BFloat16)\s*>",
    r"\(\s*__half\s*\)", r"\.(to|toType)\s*\(\s*(at|torch|c10)::(kHalf|kFloat16|kBFloat16)",
    r"\.half\s*\(\s*\)",
))
COMPILER_CALLS = frozenset({"compile", "script", "trace", "jit"})
# Shape, allocation and dtype plumbing: calling these is not "doing the reference's work".
NEUTRAL_OPS = frozenset({
    "size", "shape", "view", "reshape", "contiguous", "to", "float", "double", "half",
    "bfloat16", "cuda", "cpu", "empty", "empty_like", "zeros", "zeros_like", "ones",
    "ones_like", "numel", "dim", "unsqueeze", "squeeze", "permute", "transpose", "flatten",
    "t", "item", "tolist", "detach", "type", "stride", "data_ptr", "is_contiguous",
    "new_empty", "new_zeros", "expand", "view_as", "reshape_as", "get_device", "device",
    "Parameter", "super", "len", "range", "int", "tuple", "list", "isinstance",
    "print", "min", "max", "bool", "str", "dict", "set", "enumerate", "zip",
    "append", "extend", "items", "keys", "values", "get", "format", "join", "apply",
    "no_grad", "inference_mode", "synchronize", "current_stream", "is_available",
    "manual_seed", "set_num_threads", "get_num_threads", "new_ones", "full", "full_like",
    "arange", "tensor", "as_tensor", "from_numpy", "clone", "copy_", "fill_", "zero_",
    "empty_strided", "load_inline", "dtype", "requires_grad_", "register_buffer",
    "register_parameter", "parameters", "named_parameters", "modules", "children",
    "split_size", "chunk_size", "ModuleList", "ModuleDict",
    "ParameterList", "ParameterDict", "Sequential", "Module", "Identity", "Flatten",
    "Unflatten", "Dropout", "dropout", "eval", "train", "named_modules", "reset_parameters",
    "is_cuda", "assert_", "all", "any", "sorted", "abs_", "getattr", "hasattr",
})
# The library's other names for the very same computation (a candidate computing ReLU as
# clamp_min(x, 0) still computes it with the library): op -> complete equivalents only, so
# a partial step (exp of a softmax) never counts as the whole op.
OP_ALIASES = {
    "relu": {"clamp", "clamp_min", "maximum", "threshold"},
    "sigmoid": {"expit"},
    "matmul": {"mm", "bmm", "einsum"},
    "mm": {"matmul", "einsum"},
    "bmm": {"matmul", "einsum"},
    "conv1d": {"convolution", "_convolution"},
    "conv2d": {"convolution", "_convolution"},
    "conv3d": {"convolution", "_convolution"},
    "layer_norm": {"native_layer_norm"},
}
# Ops that are several of the others at once: a bias GEMM is a matmul and an add, so a
# candidate keeping the matmul in the library and adding the bias in its kernel is a fusion.
COMPOSITE_OPS = {
    "linear": {"matmul", "add"},
    "addmm": {"matmul", "add"},
    "baddbmm": {"bmm", "add"},
    "addmv": {"mv", "add"},
}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul", ast.FloorDiv: "floor_divide", ast.Mod: "remainder"}
_NORM_DIMS = re.compile(r"(batch_norm|instance_norm|dropout|lazy_\w+)[123]d$")
_SCALAR_CALLS = frozenset({"size", "numel", "dim", "stride", "len", "int", "float", "min", "max",
                           "abs", "round", "ceil", "floor", "sqrt", "prod", "item", "element_size",
                           "cdiv", "pow", "log2", "gcd"})


# Native calls that leave the kernel's job: processes, files, dynamic loading, the
# Python C API (which reaches the harness's objects), threads outside OpenMP.
NATIVE_PATTERNS = tuple(re.compile(p) for p in (
    r"\bsystem\s*\(", r"\bpopen\s*\(", r"\bfork\s*\(", r"\bexec[lv]p?e?\s*\(",
    r"\bdlopen\s*\(", r"\bdlsym\s*\(", r"\bfopen\s*\(", r"\bifstream\b", r"\bofstream\b",
    r"\bstd::thread\b", r"\bpthread_create\b", r"\bPyRun_", r"\bPyImport_",
    r"\bPyObject_SetAttr", r"\bPyEval_", r"\bPy_Initialize", r"#\s*include\s*<(thread|fstream|dlfcn\.h|unistd\.h|sys/)",
    r"\bcudaStreamCreate", r"\bclock_gettime\b", r"\bgettimeofday\b", r"\bmprotect\s*\(",
    r"\bsyscall\s*\(", r"\bsleep\s*\(", r"\busleep\s*\(",
    # pybind11's ways into the interpreter (the harness's objects, its clock among them) and
    # work that outlives a call: early rejections only, since native code can reach the
    # same by other routes (the timing boundary is what must hold, docs/threat-model.md).
    r"\bpy(?:bind11)?::(?:exec|eval|eval_file|globals)\b", r"\bpy(?:bind11)?::module_?::import\b",
    r"#\s*include\s*<(pybind11/(?:eval|embed)\.h|future)>", r"\bstd::async\b",
))


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


def _attr_chain(node: ast.AST) -> list[str]:
    """`torch.nn.functional.relu` -> ["torch", "nn", "functional", "relu"]; [] otherwise."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return []


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def op_key(name: str) -> str:
    """A library op's name as one key: `Conv2d`, `conv2d` -> conv2d; `LayerNorm` ->
    layer_norm; `relu_` -> relu; `BatchNorm2d` -> batch_norm."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])", "_", name).lower()
    snake = snake.replace("re_l_u", "relu").replace("ge_l_u", "gelu").replace("si_l_u", "silu")
    snake = snake.rstrip("_") or name
    return _NORM_DIMS.sub(r"\1", snake)


# ---------------------------------------------------------------- the per-node rules


class _Checker(ast.NodeVisitor):
    def __init__(self, severities: dict[str, str], fp32_task: bool, streams_joined: bool = False) -> None:
        self.severities = severities
        self.fp32_task = fp32_task
        # A source that joins its side streams back gets the joined rule (a warning).
        self.side_stream = SIDE_STREAM_JOINED if streams_joined else SIDE_STREAM
        self.findings: list[Finding] = []
        self.modules: dict[str, str] = {}
        """Local name -> the module it is bound to (`F` -> torch.nn.functional)."""

    @property
    def module_aliases(self) -> set[str]:
        return set(self.modules)

    def flag(self, rule: Rule, node: ast.AST | None, message: str) -> None:
        severity = self.severities.get(rule.id, "error")
        if severity != "off":
            line = getattr(node, "lineno", 0) if node is not None else 0
            self.findings.append(Finding(rule.id, line, f"{message}: {rule.attack}; fix: {rule.fix}", severity))

    def resolve(self, chain: list[str]) -> str:
        """`F.relu` -> torch.nn.functional.relu when F is an imported module; else joined."""
        if chain and chain[0] in self.modules:
            return ".".join([self.modules[chain[0]], *chain[1:]])
        return ".".join(chain)

    def _check_module(self, name: str, node: ast.AST) -> None:
        root = name.split(".")[0]
        if root in DENIED_MODULES:
            self.flag(DENIED_IMPORT, node, f"imports {name}")
        elif root not in ALLOWED_MODULES:
            self.flag(FORBIDDEN_IMPORT, node, f"imports {name} (allowed: {sorted(ALLOWED_MODULES)})")
        parts = name.split(".")
        if any(p.startswith("_") and p != "__future__" for p in parts):
            self.flag(PRIVATE_API, node, f"imports private module {name}")
        if root in THREAD_MODULES or "multiprocessing" in parts:
            self.flag(THREADS, node, f"imports {name}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(alias.name, node)
            if alias.asname:
                self.modules[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.modules[root] = root
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.flag(FORBIDDEN_IMPORT, node, "relative import")
        self._check_module(module, node)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name.startswith("_") and full not in PRIVATE_HELPERS:
                self.flag(PRIVATE_API, node, f"imports {full}")
            if alias.name in SUBCLASS_ATTRS:
                self.flag(TENSOR_SUBCLASS, node, f"imports {full}")
            if alias.name in STREAM_ATTRS:
                self.flag(self.side_stream, node, f"imports {full}")
            if alias.name in FILE_CALLS and module.split(".")[0] in {"torch", "numpy"}:
                self.flag(FILE_ACCESS, node, f"imports {full}")
            if alias.name == "load" and module == "torch.utils.cpp_extension":
                self.flag(FILE_ACCESS, node, "imports load (file sources); use load_inline")
            if alias.name == "autocast" and self.fp32_task:
                self.flag(PRECISION_DOWNGRADE, node, f"imports {full}")
            # `from torch import nn` binds a module; assigning to its attributes is patching.
            self.modules[alias.asname or alias.name] = full
        self.generic_visit(node)

    def visit_Try(self, node: ast.AST) -> None:
        self.flag(TRY_EXCEPT, node, "try/except can hide a fallback to the reference op")
        self.generic_visit(node)

    visit_TryStar = visit_Try

    def visit_Pass(self, node: ast.Pass) -> None:
        self.flag(PASS_STATEMENT, node, "pass statement")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            chain = _attr_chain(base)
            if chain and chain[-1] == "Tensor":
                self.flag(TENSOR_SUBCLASS, node, f"class {node.name} subclasses Tensor")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in SUBCLASS_ATTRS:
            self.flag(TENSOR_SUBCLASS, node, f"defines {node.name}")
        if node.name in {"__del__", "__getattr__", "__getattribute__"}:
            self.flag(INTROSPECTION, node, f"defines {node.name}")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Await(self, node: ast.Await) -> None:
        self.flag(THREADS, node, "async code")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("__") and attr.endswith("__") and attr not in ALLOWED_DUNDERS:
            self.flag(INTROSPECTION, node, f"uses {attr}")
        if attr in FRAME_ATTRS:
            self.flag(INTROSPECTION, node, f"uses frame attribute {attr}")
        chain = _attr_chain(node)
        if chain and chain[0] in self.modules:
            name = self.resolve(chain)
            if any(p.startswith("_") for p in chain[1:]) and name not in PRIVATE_HELPERS:
                self.flag(PRIVATE_API, node, f"uses {'.'.join(chain)}")
            if attr in STREAM_ATTRS and "cuda" in name.split(".") or attr == "Stream":
                self.flag(self.side_stream, node, f"uses {'.'.join(chain)}")
            if attr in THREAD_ATTRS:
                self.flag(THREADS, node, f"uses {'.'.join(chain)}")
            if self.fp32_task and attr == "autocast":
                self.flag(PRECISION_DOWNGRADE, node, f"uses {'.'.join(chain)}")
        if attr in SUBCLASS_ATTRS:
            self.flag(TENSOR_SUBCLASS, node, f"uses {attr}")
        self.generic_visit(node)

    def _check_target(self, target: ast.AST, node: ast.AST, value: ast.AST | None) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._check_target(t, node, None)
            return
        if isinstance(target, ast.Subscript):
            target = target.value
        chain = _attr_chain(target)
        if len(chain) < 2 or chain[0] not in self.modules:
            return
        name = self.resolve(chain)
        if chain[-1] in PRECISION_FLAGS and name.startswith("torch.backends."):
            lowers = not (isinstance(value, ast.Constant) and value.value is False)
            if lowers and self.fp32_task:
                self.flag(PRECISION_DOWNGRADE, node, f"sets {'.'.join(chain)} (TF32/reduced-precision math)")
            return
        if name.startswith("torch.backends.") and name.count(".") >= 3 and chain[-1] not in BACKEND_FUNCTIONS \
                and not isinstance(value, (ast.Lambda, type(None))):
            return  # a setting of this process (cudnn.benchmark, cudnn.deterministic, ...)
        self.flag(MONKEY_PATCH, node, f"assigns to {'.'.join(chain)}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node, None)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node, node.value)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target, node, None)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        chain = _attr_chain(node.func)
        if isinstance(node.func, ast.Name) and name in DYNAMIC_BUILTINS:
            self.flag(DYNAMIC_CODE, node, f"calls {name}()")
        if isinstance(node.func, ast.Name) and name == "getattr":
            literal = len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
            on_module = bool(node.args) and _attr_chain(node.args[0])[:1] and _attr_chain(
                node.args[0]
            )[0] in self.modules
            if not literal or on_module:
                self.flag(DYNAMIC_CODE, node, "getattr with a computed name or on a module")
        if name in FILE_CALLS and (
            isinstance(node.func, ast.Name) or (chain and chain[0] in self.modules)
            or name in {"read_text", "read_bytes", "write_text", "write_bytes"}
        ):
            self.flag(FILE_ACCESS, node, f"calls {'.'.join(chain) or name}()")
        if chain[-2:] == ["cpp_extension", "load"] or (
            isinstance(node.func, ast.Name) and name == "load"
        ):
            self.flag(FILE_ACCESS, node, "loads sources from files; use load_inline")
        for keyword in node.keywords:
            if (
                keyword.arg == "device"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value == "meta"
            ):
                self.flag(TENSOR_SUBCLASS, node, "allocates a meta (data-less) tensor")
        if self.fp32_task:
            self._check_precision_call(node, name, chain)
        self.generic_visit(node)

    def _check_precision_call(self, node: ast.Call, name: str | None, chain: list[str]) -> None:
        where = ".".join(chain) or name or "call"
        if isinstance(node.func, ast.Attribute) and name in LOW_PRECISION_METHODS and not node.args:
            self.flag(PRECISION_DOWNGRADE, node, f"casts with .{name}()")
        elif name == "set_float32_matmul_precision" and not (
            node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "highest"
        ):
            self.flag(PRECISION_DOWNGRADE, node, f"calls {where} (TF32/bf16 matmuls)")
        else:
            values = [*node.args, *(k.value for k in node.keywords)]
            low = [v for v in values if self._low_dtype(v)]
            if low and name not in {"isinstance"}:
                self.flag(PRECISION_DOWNGRADE, node, f"calls {where} with {self.resolve(_attr_chain(low[0]))}")

    def _low_dtype(self, node: ast.AST) -> bool:
        chain = _attr_chain(node)
        return len(chain) >= 2 and chain[-1] in LOW_PRECISION_DTYPES and self.resolve(chain).startswith("torch.")

    def visit_Expr(self, node: ast.Expr) -> None:
        # A bare string statement is a docstring or comment: prose, not native source.
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            if node.value == "meta":
                self.flag(TENSOR_SUBCLASS, node, "mentions the meta device")
            for pattern in NATIVE_PATTERNS:
                match = pattern.search(node.value)
                if match:
                    self.flag(NATIVE_ESCAPE, node, f"native source uses {match.group(0).strip()!r}")
                    break
            if self.fp32_task:
                for pattern in NATIVE_DOWNCASTS:
                    match = pattern.search(_strip_native_comments(node.value))
                    if match:
                        self.flag(PRECISION_DOWNGRADE, node, f"native source converts to half: {match.group(0)!r}")
                        break


def _strip_native_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)


def fp32_task(reference_source: str | None) -> bool:
    """Whether the problem computes in float32: it never names a half-precision dtype."""
    if reference_source is None:
        return True
    return not re.search(r"\b(float16|half|bfloat16|bf16|fp16)\b", reference_source)


# ---------------------------------------------------------------- the kernel's work


def reference_ops(problem_source: str) -> set[str]:
    """Op keys (`op_key`) of what the reference Model computes, outside `__init__`.

    `torch.X`, `F.X`, `x.X(...)` give X; a layer built in `__init__` (`nn.Conv2d`, also
    inside containers) gives its key; tensor arithmetic (`x * s`, `a @ b`) gives mul, matmul...
    """
    tree = ast.parse(problem_source)
    ops: set[str] = set()
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model"):
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            if fn.name == "__init__":
                ops |= _constructed_layers(fn)
                continue
            scalars = _scalar_names(fn, tree)
            for node in ast.walk(fn):
                key = _binop_key(node, scalars)
                if key:
                    ops.add(key)
                if isinstance(node, ast.Call):
                    chain = _attr_chain(node.func)
                    if chain[:1] == ["self"] and len(chain) == 2:
                        continue  # a layer: counted from __init__
                    name = _call_name(node)
                    if chain[:1] == ["math"]:
                        continue
                    if name and name not in NEUTRAL_OPS and not (isinstance(node.func, ast.Name) and name[:1].islower() and name not in _TORCH_FREE_FUNCS):
                        ops.add(op_key(name))
    return ops


# Bare-name calls a problem may import from torch (`from torch import relu`).
_TORCH_FREE_FUNCS = frozenset({"relu", "sigmoid", "tanh", "softmax", "matmul", "gelu", "conv2d", "linear"})
_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict", "Parameter", "ParameterList",
                         "ParameterDict", "Module", "Identity", "Flatten", "Unflatten", "Dropout",
                         "Dropout1d", "Dropout2d", "Dropout3d", "Buffer"})


def _constructed_layers(init: ast.FunctionDef) -> set[str]:
    """Keys of the library layers (`nn.X(...)`, not containers) a `__init__` builds."""
    keys = set()
    for node in ast.walk(init):
        if isinstance(node, ast.Call):
            chain = _attr_chain(node.func)
            if len(chain) >= 2 and chain[-2] == "nn" and chain[-1][:1].isupper() and chain[-1] not in _CONTAINERS:
                keys.add(op_key(chain[-1]))
    return keys


def _scalar_names(fn: ast.AST, tree: ast.Module) -> set[str]:
    """Names bound to Python numbers (sizes, grid arithmetic, module constants) in `fn`."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    for _ in range(3):
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and _is_scalar(node.value, names):
                for target in node.targets:
                    for t in ast.walk(target):
                        if isinstance(t, ast.Name):
                            names.add(t.id)
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and _call_name(node.iter) == "range":
                names |= {t.id for t in ast.walk(node.target) if isinstance(t, ast.Name)}
    return names


def _is_scalar(node: ast.AST, names: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float, bool)) or node.value is None
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Attribute):
        return node.attr in {"shape", "ndim", "dtype", "device", "is_cuda"} or _is_scalar(node.value, names) and node.attr in {"real", "imag"}
    if isinstance(node, ast.Subscript):
        return _is_scalar(node.value, names)
    if isinstance(node, ast.UnaryOp):
        return _is_scalar(node.operand, names)
    if isinstance(node, ast.BinOp):
        return _is_scalar(node.left, names) and _is_scalar(node.right, names)
    if isinstance(node, ast.Call):
        name = _call_name(node)
        chain = _attr_chain(node.func)
        return name in _SCALAR_CALLS or chain[:1] == ["math"]
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_is_scalar(e, names) for e in node.elts)
    return False


def _binop_key(node: ast.AST, scalars: set[str]) -> str | None:
    """The op key of tensor arithmetic (`x * s`); None for number arithmetic (`(n + 255) // 256`)."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        if not (_is_scalar(node.left, scalars) and _is_scalar(node.right, scalars)):
            return _BINOPS[type(node.op)]
    if isinstance(node, ast.AugAssign) and type(node.op) in _BINOPS:
        if not (_is_scalar(node.target, scalars) and _is_scalar(node.value, scalars)):
            return _BINOPS[type(node.op)]
    return None


@dataclass
class _Program:
    """What the kernel-work rules need to know about a candidate module."""

    tree: ast.Module
    checker: _Checker
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    extensions: set[str] = field(default_factory=set)
    """Names (module-level, or `self.x` attributes) bound to a built extension or its functions."""
    factories: set[str] = field(default_factory=set)
    """Module-level functions that return an extension (lazy loading)."""

    def __post_init__(self) -> None:
        # Module-level definitions, also those inside `if`/`try` at module level.
        todo: list[ast.AST] = list(self.tree.body)
        while todo:
            node = todo.pop(0)
            if isinstance(node, ast.FunctionDef):
                self.functions.setdefault(node.name, node)
            elif isinstance(node, ast.ClassDef):
                self.classes.setdefault(node.name, node)
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                todo += [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]
                todo += [s for h in getattr(node, "handlers", []) for s in h.body]
        self._find_extensions()

    def _find_extensions(self) -> None:
        for _ in range(4):  # aliases of aliases
            for node in ast.walk(self.tree):
                value = getattr(node, "value", None)
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and value is not None and self.is_extension(value):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Subscript):
                            target = target.value
                        chain = _attr_chain(target)
                        if chain:
                            self.extensions.add(chain[-1])
            for fn in (n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)):
                if fn.name != "__init__" and any(
                    isinstance(n, ast.Return) and n.value is not None and self.is_extension(n.value)
                    for n in ast.walk(fn)
                ):
                    self.factories.add(fn.name)  # `_get_ext()`, `self._build_kernel()`

    def is_extension(self, node: ast.AST) -> bool:
        """Whether `node` evaluates to a built extension or one of its functions."""
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name == "load_inline":
                return True
            chain = _attr_chain(node.func)
            return chain[-1:] == [name] and name in self.factories and (len(chain) == 1 or chain[0] == "self")
        if isinstance(node, ast.Name):
            return node.id in self.extensions
        if isinstance(node, ast.Attribute):
            chain = _attr_chain(node)
            if chain[:1] == ["self"] and len(chain) >= 2 and chain[1] in self.extensions:
                return True
            return self.is_extension(node.value)
        if isinstance(node, ast.Subscript):
            return self.is_extension(node.value)
        return False

    def layer_of(self, cls: ast.ClassDef | None, attr: str) -> ast.Call | None:
        """The constructor call assigned to `self.attr` in `cls.__init__`, if any."""
        if cls is None:
            return None
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"):
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    for target in node.targets:
                        if _attr_chain(target) == ["self", attr]:
                            return node.value
        return None

    def method(self, cls: ast.ClassDef | None, name: str) -> ast.FunctionDef | None:
        if cls is None:
            return None
        return next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


class _KernelWork:
    """Which functions' results carry a kernel's output, and which library ops forward runs."""

    def __init__(self, program: _Program) -> None:
        self.p = program
        self.owner: dict[int, ast.ClassDef | None] = {}
        for fn in program.functions.values():
            self.owner[id(fn)] = None
        for cls in program.classes.values():
            for fn in cls.body:
                if isinstance(fn, ast.FunctionDef):
                    self.owner[id(fn)] = cls
        self.all_functions = [n for n in ast.walk(program.tree) if isinstance(n, ast.FunctionDef)]
        self.carries: set[int] = set()
        self._fixpoint()

    def callees(self, call: ast.Call, fn: ast.FunctionDef) -> list[ast.FunctionDef] | None:
        """Candidate-defined functions a call runs; None for a call we cannot resolve."""
        cls = self.owner.get(id(fn))
        chain = _attr_chain(call.func)
        p = self.p
        if isinstance(call.func, ast.Name):
            if call.func.id in p.functions:
                return [p.functions[call.func.id]]
            if call.func.id in p.classes:
                return []
            return None if call.func.id not in p.checker.modules else []
        if len(chain) == 2 and chain[0] == "self":
            own = p.method(cls, chain[1])
            if own is not None:
                return [own]
            built = p.layer_of(cls, chain[1])
            if built is not None and isinstance(built.func, ast.Name) and built.func.id in p.classes:
                target = p.method(p.classes[built.func.id], "forward")
                return [target] if target else []
            if built is not None and p.checker.resolve(_attr_chain(built.func)).startswith("torch."):
                return []  # a library layer
            return None  # built by a helper (`self._make_layer(...)`) or elsewhere: unknown
        if len(chain) == 2 and chain[0] in p.classes and chain[1] in ("apply", "forward"):
            target = p.method(p.classes[chain[0]], "forward")
            return [target] if target else []
        if chain[:1] == ["self"] or not chain:
            return None  # `self.layers[i](x)`, `layer(x)`: some module we cannot see
        return []

    def _kernel_valued(self, node: ast.AST, fn: ast.FunctionDef, tainted: set[str]) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in tainted:
                return True
            if isinstance(sub, ast.Attribute) and _attr_chain(sub)[:1] == ["self"] and ".".join(_attr_chain(sub)[:2]) in tainted:
                return True
            if isinstance(sub, ast.Call):
                if self.p.is_extension(sub.func) or self.p.is_extension(sub):
                    return True
                called = self.callees(sub, fn)
                if called is None:
                    if self.opaque_carries:
                        return True
                elif any(id(c) in self.carries for c in called):
                    return True
        return False

    def _function_carries(self, fn: ast.FunctionDef) -> bool:
        """Whether `fn` returns (or fills an output buffer with) a kernel's result."""
        tainted: set[str] = set()
        # Tensors this function made itself (not its untouched arguments, which are inputs).
        buffers = {t.id for n in ast.walk(fn) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                   for target in (n.targets if isinstance(n, ast.Assign) else [n.target])
                   for t in ast.walk(target) if isinstance(t, ast.Name)}
        for _ in range(4):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                    if self._kernel_valued(node.value, fn, tainted) or (
                        isinstance(node, ast.AugAssign) and self._kernel_valued(node.target, fn, tainted)
                    ):
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        for target in targets:
                            for t in ast.walk(target):
                                if isinstance(t, ast.Name):
                                    tainted.add(t.id)
                            chain = _attr_chain(target)
                            if chain[:1] == ["self"]:
                                tainted.add(".".join(chain))
                elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and (
                    self.p.is_extension(node.value.func) or self._kernel_valued(node.value, fn, tainted)
                    or any(id(c) in self.uses_kernel for c in self.callees(node.value, fn) or [])
                ):
                    # An out-parameter or in-place kernel: `ext.relu_out(x, out)`, `ext.bias_relu_(y, b)`,
                    # `self.kernel(grid, block, [x.data_ptr(), self.out.data_ptr()])`.
                    for arg in [*node.value.args, *(k.value for k in node.value.keywords)]:
                        for sub in ast.walk(arg):
                            chain = _attr_chain(sub) if isinstance(sub, ast.Attribute) else []
                            if isinstance(sub, ast.Name) and sub.id in buffers:
                                tainted |= _alias_roots(fn, sub.id)
                            elif chain[:1] == ["self"] and len(chain) >= 2:
                                tainted.add(f"self.{chain[1]}")
                elif isinstance(node, ast.For) and self._kernel_valued(node.iter, fn, tainted):
                    tainted |= {t.id for t in ast.walk(node.target) if isinstance(t, ast.Name)}
        return any(isinstance(n, ast.Return) and n.value is not None and self._kernel_valued(n.value, fn, tainted)
                   for n in ast.walk(fn))

    def _fixpoint(self) -> None:
        self.opaque_carries = False
        # Functions that run a kernel somewhere (directly or through another such function).
        self.uses_kernel: set[int] = set()
        for _ in range(6):
            for fn in self.all_functions:
                if any(isinstance(n, ast.Call) and (self.p.is_extension(n.func) or any(
                        id(c) in self.uses_kernel for c in self.callees(n, fn) or [])) for n in ast.walk(fn)):
                    self.uses_kernel.add(id(fn))
        for _ in range(6):
            before = (len(self.carries), self.opaque_carries)
            for fn in self.all_functions:
                if fn.name not in ("__init__", "backward") and id(fn) not in self.carries and self._function_carries(fn):
                    self.carries.add(id(fn))
            # A module we cannot resolve (`for layer in self.layers: x = layer(x)`) may be one
            # of the candidate's own, whose forward carries a kernel.
            self.opaque_carries = any(
                id(self.p.method(cls, "forward")) in self.carries
                for cls in self.p.classes.values() if self.p.method(cls, "forward") is not None
            )
            if (len(self.carries), self.opaque_carries) == before:
                return

    def reachable(self, start: ast.FunctionDef) -> list[ast.FunctionDef]:
        seen: list[ast.FunctionDef] = []
        todo = [start]
        while todo:
            fn = todo.pop()
            if any(fn is s for s in seen):
                continue
            seen.append(fn)
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    todo += [c for c in (self.callees(node, fn) or []) if c.name not in ("__init__", "backward")]
        return seen

    def library_ops(self, functions: list[ast.FunctionDef]) -> list[tuple[str, int, str]]:
        """(op key, line, as written) of the library computation these functions run."""
        found = []
        modules = self.p.checker.modules
        for fn in functions:
            cls = self.owner.get(id(fn))
            scalars = _scalar_names(fn, self.p.tree)
            for node in ast.walk(fn):
                key = _binop_key(node, scalars)
                if key:
                    found.append((key, node.lineno, ast.unparse(node)[:60]))
                if not isinstance(node, ast.Call):
                    continue
                chain = _attr_chain(node.func)
                name = _call_name(node)
                if not name or name in NEUTRAL_OPS or self.p.is_extension(node.func):
                    continue
                written = ".".join(chain) or name
                if len(chain) == 2 and chain[0] == "self":
                    built = self.p.layer_of(cls, chain[1])
                    if built is not None and not (isinstance(built.func, ast.Name) and built.func.id in self.p.classes):
                        layer = _attr_chain(built.func)
                        if layer and layer[-1][:1].isupper() and layer[-1] not in _CONTAINERS:
                            found.append((op_key(layer[-1]), node.lineno, f"{written} (nn.{layer[-1]})"))
                        elif layer and layer[-1] in ("Sequential", "ModuleList"):
                            found += [(op_key(c), node.lineno, f"{written} (nn.{c} in nn.{layer[-1]})")
                                      for c in sorted(_nn_classes(built))]
                    continue
                if isinstance(node.func, ast.Name):
                    library = node.func.id in modules and self.p.checker.resolve([node.func.id]).startswith("torch")
                elif chain and chain[0] in modules:
                    library = self.p.checker.resolve(chain).startswith("torch")
                else:
                    library = not (chain[:1] == ["self"] or (chain and chain[0] in self.p.classes))
                if library:
                    if name in COMPILER_CALLS:
                        found.append(("compile:" + name, node.lineno, written))
                    else:
                        found.append((op_key(name), node.lineno, written))
        return found


def _alias_roots(fn: ast.FunctionDef, name: str) -> set[str]:
    """`name` and the tensors it views: `out_c = out.contiguous()` -> {out_c, out}."""
    roots, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in roots:
            continue
        roots.add(current)
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == current for t in node.targets):
                value = node.value
                while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr in NEUTRAL_OPS:
                    value = value.func.value
                if isinstance(value, ast.Name):
                    todo.append(value.id)
    return roots


def _nn_classes(node: ast.AST) -> set[str]:
    return {c[-1] for n in ast.walk(node) if isinstance(n, ast.Call)
            for c in [_attr_chain(n.func)] if len(c) >= 2 and c[-2] == "nn" and c[-1][:1].isupper()
            and c[-1] not in _CONTAINERS}


def _check_custom_kernel(tree: ast.Module, ref_ops: set[str], checker: _Checker) -> None:
    uses_load_inline = any(
        isinstance(n, ast.Call) and _call_name(n) == "load_inline" for n in ast.walk(tree)
    )
    if not uses_load_inline:
        checker.flag(NO_CUSTOM_KERNEL, None, "no load_inline call")
        return
    program = _Program(tree, checker)
    model = program.classes.get("ModelNew")
    forward = program.method(model, "forward")
    if forward is None:
        return  # the judge's load stage reports it
    work = _KernelWork(program)
    if id(forward) not in work.carries:
        checker.flag(KERNEL_UNUSED, forward, "ModelNew.forward returns nothing a custom kernel computed")
    direct = [d for d in work.library_ops(work.reachable(forward)) if not d[0].startswith("compile:")]
    for node in ast.walk(tree):  # anywhere: `f = torch.compile(fn)`, `@torch.jit.script`
        decorators = getattr(node, "decorator_list", [])
        for expr in [node.func] if isinstance(node, ast.Call) else decorators:
            name = checker.resolve(_attr_chain(expr))
            if name.startswith("torch.") and name.split(".")[-1] in COMPILER_CALLS:
                checker.flag(REFERENCE_OP, expr, f"uses {name}: the library's compiler writes that kernel")
    needed = _expand(ref_ops)
    covered = _expand({key for key, _, _ in direct})
    covered |= {op for op, aliases in OP_ALIASES.items() if aliases & covered}
    relevant = [(ln, w) for k, ln, w in direct if _expand({k}) & needed
                or any(k in OP_ALIASES.get(r, ()) for r in needed)]
    if needed and needed <= covered:
        uses = ", ".join(f"{w} (line {ln})" for ln, w in relevant[:6])
        checker.flag(REFERENCE_OP, _At(relevant[0][0] if relevant else forward.lineno),
                     f"forward computes every op of the reference ({', '.join(sorted(needed))}) "
                     f"with the library: {uses}")
    else:
        for line, written in relevant:
            checker.flag(LIBRARY_OP, _At(line), f"calls {written} from the library")


def _expand(keys: set[str]) -> set[str]:
    return {part for key in keys for part in COMPOSITE_OPS.get(key, {key})}


@dataclass
class _At:
    lineno: int


STREAM_JOINS = frozenset({"wait_stream", "wait_event", "synchronize"})


def _joins_streams(tree: ast.AST) -> bool:
    """Whether the source calls something that makes the current stream wait for others."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in STREAM_JOINS
               for n in ast.walk(tree))


def check_candidate(
    source: str,
    preset: str = "strict",
    reference_source: str | None = None,
    require_custom_kernel: bool = False,
) -> StaticReport:
    """Findings for a candidate that already parses (the caller reports syntax errors).

    Every finding names its line, what was seen, the attack the rule stops and the fix.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown static-check preset {preset!r}; choose one of {sorted(PRESETS)}")
    tree = ast.parse(source)
    checker = _Checker(PRESETS[preset], fp32_task(reference_source), _joins_streams(tree))
    checker.visit(tree)
    if require_custom_kernel:
        ops = reference_ops(reference_source) if reference_source else set()
        _check_custom_kernel(tree, ops, checker)
    checker.findings.sort(key=lambda f: (f.line, f.rule))
    return StaticReport(checker.findings)
