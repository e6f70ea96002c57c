"""Static tamper checks: does the candidate reach outside its kernel's job?

One pass over the candidate's syntax tree flags each node that reaches the harness sharing
its interpreter (imports outside the allowlist, introspection, dynamic code, monkey-patching,
private torch APIs, file access, threads, side streams never joined back, tensor subclasses,
native source calling into processes or the interpreter) or that dodges the task's terms (a
try/except fallback, `pass`, lower precision in an fp32 task). The pass also records what each
local name is bound to (`TamperChecker.modules`), which the custom-kernel check reads.
"""

from __future__ import annotations

import ast
import re

from maxcode.sandbox.judges.kernel.static_ast import attr_chain, call_name
from maxcode.sandbox.judges.kernel.static_rules import (
    DENIED_IMPORT,
    DYNAMIC_CODE,
    FILE_ACCESS,
    FORBIDDEN_IMPORT,
    INTROSPECTION,
    MONKEY_PATCH,
    NATIVE_ESCAPE,
    PASS_STATEMENT,
    PRECISION_DOWNGRADE,
    PRIVATE_API,
    SIDE_STREAM,
    SIDE_STREAM_JOINED,
    TENSOR_SUBCLASS,
    THREADS,
    TRY_EXCEPT,
    Finding,
    Rule,
)

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


class TamperChecker(ast.NodeVisitor):
    """Every per-node rule in one pass; `findings` holds what the preset does not turn off."""

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
            chain = attr_chain(base)
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
        chain = attr_chain(node)
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
        chain = attr_chain(target)
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
        name = call_name(node)
        chain = attr_chain(node.func)
        if isinstance(node.func, ast.Name) and name in DYNAMIC_BUILTINS:
            self.flag(DYNAMIC_CODE, node, f"calls {name}()")
        if isinstance(node.func, ast.Name) and name == "getattr":
            literal = len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
            on_module = bool(node.args) and attr_chain(node.args[0])[:1] and attr_chain(
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
                self.flag(PRECISION_DOWNGRADE, node, f"calls {where} with {self.resolve(attr_chain(low[0]))}")

    def _low_dtype(self, node: ast.AST) -> bool:
        chain = attr_chain(node)
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


STREAM_JOINS = frozenset({"wait_stream", "wait_event", "synchronize"})


def joins_streams(tree: ast.AST) -> bool:
    """Whether the source calls something that makes the current stream wait for others."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in STREAM_JOINS
               for n in ast.walk(tree))
