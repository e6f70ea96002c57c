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


# Rationale: timers, files, processes, ctypes and introspection all start with an import;
# a kernel candidate needs torch and a few pure helpers, so anything else is suspect.
FORBIDDEN_IMPORT = Rule("forbidden-import", "imports a module outside the allowlist")
# Rationale: these modules give direct access to clocks, files, processes, threads, raw
# memory or the interpreter's internals (the harness shares the candidate's interpreter).
DENIED_IMPORT = Rule("denied-import", "imports a module that can tamper with the harness")
# Rationale: exec/eval/getattr with computed names defeat every other AST rule.
DYNAMIC_CODE = Rule("dynamic-code", "runs or looks up code dynamically")
# Rationale: `__globals__`, `__subclasses__`, frames... reach the harness's objects.
INTROSPECTION = Rule("introspection", "uses dunder or frame attributes")
# Rationale: assigning to torch.allclose, time.perf_counter, torch.cuda.synchronize, ...
# changes what the harness (same interpreter) measures or checks.
MONKEY_PATCH = Rule("monkey-patch", "assigns to an attribute of a module")
# Rationale: a try/except around the kernel can fall back to the reference op unseen.
TRY_EXCEPT = Rule("try-except", "uses try/except (fallback path)")
# Rationale: a Tensor subclass or __torch_function__ can defer the work until the output
# is read, outside the timed region, or fake the comparison.
TENSOR_SUBCLASS = Rule("tensor-subclass", "defines or builds a tensor subclass or fake tensor")
# Rationale: reading the problem module, saved outputs or weights from disk lets a
# candidate replay answers instead of computing them.
FILE_ACCESS = Rule("file-access", "reads or writes files")
# Rationale: threads and processes can finish work after the timer stopped or slow
# down whatever runs next.
THREADS = Rule("threads", "starts threads, processes or async work")
# Rationale: work queued on a side stream escapes default-stream events.
SIDE_STREAM = Rule("side-stream", "uses CUDA streams")
# Rationale: torch._C, torch._dynamo, ... expose the dispatcher, the clocks and hooks.
PRIVATE_API = Rule("private-api", "uses a private torch API")
# Rationale: native code runs in the harness's process; these calls escape the checks.
NATIVE_ESCAPE = Rule("native-escape", "native source calls into processes, files or the interpreter")
# Rationale: the task asks for a custom kernel; without load_inline there is none.
NO_CUSTOM_KERNEL = Rule("no-custom-kernel", "builds no custom kernel (load_inline)")
# Rationale: calling the very PyTorch op the kernel should replace (or torch.compile) in
# forward makes the "kernel" a wrapper around the baseline.
REFERENCE_OP = Rule("reference-op", "calls the PyTorch op it should replace")

RULES = (
    FORBIDDEN_IMPORT, DENIED_IMPORT, DYNAMIC_CODE, INTROSPECTION, MONKEY_PATCH, TRY_EXCEPT,
    TENSOR_SUBCLASS, FILE_ACCESS, THREADS, SIDE_STREAM, PRIVATE_API, NATIVE_ESCAPE,
    NO_CUSTOM_KERNEL, REFERENCE_OP,
)

# strict: everything rejects. lenient: rules with a false-positive risk only warn (the
# dynamic checks stay in force). off: for testing the dynamic checks alone; never use it on
# untrusted candidates.
PRESETS: dict[str, dict[str, str]] = {
    "strict": {r.id: "error" for r in RULES},
    "lenient": {
        **{r.id: "error" for r in RULES},
        FORBIDDEN_IMPORT.id: "warning",
        TRY_EXCEPT.id: "warning",
        SIDE_STREAM.id: "warning",
    },
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
DYNAMIC_BUILTINS = frozenset({
    "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "breakpoint",
    "setattr", "delattr", "input", "memoryview",
})
ALLOWED_DUNDERS = frozenset({"__init__", "__name__", "__doc__"})
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
COMPILER_CALLS = frozenset({"compile", "script", "trace", "jit"})
# Shape, allocation and dtype plumbing: calling these is not "doing the reference's work".
NEUTRAL_OPS = frozenset({
    "size", "shape", "view", "reshape", "contiguous", "to", "float", "double", "half",
    "bfloat16", "cuda", "cpu", "empty", "empty_like", "zeros", "zeros_like", "ones",
    "ones_like", "numel", "dim", "unsqueeze", "squeeze", "permute", "transpose", "flatten",
    "t", "item", "tolist", "detach", "type", "stride", "data_ptr", "is_contiguous",
    "new_empty", "new_zeros", "expand", "view_as", "reshape_as", "get_device", "device",
    "Parameter", "super", "len", "range", "int", "tuple", "list", "isinstance",
})
# Native calls that leave the kernel's job: processes, files, dynamic loading, the
# Python C API (which reaches the harness's objects), threads outside OpenMP.
NATIVE_PATTERNS = tuple(re.compile(p) for p in (
    r"\bsystem\s*\(", r"\bpopen\s*\(", r"\bfork\s*\(", r"\bexec[lv]p?e?\s*\(",
    r"\bdlopen\s*\(", r"\bdlsym\s*\(", r"\bfopen\s*\(", r"\bifstream\b", r"\bofstream\b",
    r"\bstd::thread\b", r"\bpthread_create\b", r"\bPyRun_", r"\bPyImport_",
    r"\bPyObject_SetAttr", r"\bPyEval_", r"\bPy_Initialize", r"#\s*include\s*<(thread|fstream|dlfcn\.h|unistd\.h|sys/)",
    r"\bcudaStreamCreate", r"\bclock_gettime\b", r"\bgettimeofday\b", r"\bmprotect\s*\(",
    r"\bsyscall\s*\(", r"\bsleep\s*\(", r"\busleep\s*\(",
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


def reference_ops(problem_source: str) -> set[str]:
    """Names of the compute ops the reference Model calls outside `__init__`.

    `torch.X`, `F.X`, `x.X(...)` give `X`; `self.layer(...)` where `__init__` built
    `self.layer = nn.Conv2d(...)` gives `Conv2d` and `conv2d`; `a @ b` gives `matmul`.
    """
    tree = ast.parse(problem_source)
    ops: set[str] = set()
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Model"):
        layers = _layer_attrs(cls)
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name != "__init__"):
            for node in ast.walk(fn):
                if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
                    ops.add("matmul")
                if not isinstance(node, ast.Call):
                    continue
                chain = _attr_chain(node.func)
                if len(chain) == 2 and chain[0] == "self" and chain[1] in layers:
                    ops.add(layers[chain[1]])
                    ops.add(layers[chain[1]].lower())
                    continue
                name = _call_name(node)
                if name and name not in NEUTRAL_OPS:
                    ops.add(name)
    return ops


def _layer_attrs(cls: ast.ClassDef) -> dict[str, str]:
    """`self.name = nn.Layer(...)` assignments of a class's `__init__`: name -> Layer."""
    layers: dict[str, str] = {}
    for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"):
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                chain = _attr_chain(node.value.func)
                if len(chain) >= 2 and chain[-2] == "nn" and chain[-1][:1].isupper():
                    for target in node.targets:
                        tchain = _attr_chain(target)
                        if len(tchain) == 2 and tchain[0] == "self":
                            layers[tchain[1]] = chain[-1]
    return layers


class _Checker(ast.NodeVisitor):
    def __init__(self, severities: dict[str, str]) -> None:
        self.severities = severities
        self.findings: list[Finding] = []
        self.module_aliases: set[str] = set()
        self.imported_names: set[str] = set()

    def flag(self, rule: Rule, node: ast.AST | None, message: str) -> None:
        severity = self.severities.get(rule.id, "error")
        if severity != "off":
            line = getattr(node, "lineno", 0) if node is not None else 0
            self.findings.append(Finding(rule.id, line, message, severity))

    def _check_module(self, name: str, node: ast.AST) -> None:
        root = name.split(".")[0]
        if root in DENIED_MODULES:
            self.flag(DENIED_IMPORT, node, f"imports {name}")
        elif root not in ALLOWED_MODULES:
            self.flag(FORBIDDEN_IMPORT, node, f"imports {name} (allowed: {sorted(ALLOWED_MODULES)})")
        parts = name.split(".")
        if any(p.startswith("_") and p != "__future__" for p in parts):
            self.flag(PRIVATE_API, node, f"imports private module {name}")
        if "multiprocessing" in parts:
            self.flag(THREADS, node, f"imports {name}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(alias.name, node)
            self.module_aliases.add(alias.asname or alias.name.split(".")[0])
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.flag(FORBIDDEN_IMPORT, node, "relative import")
        self._check_module(module, node)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name.startswith("_"):
                self.flag(PRIVATE_API, node, f"imports {full}")
            if alias.name in SUBCLASS_ATTRS:
                self.flag(TENSOR_SUBCLASS, node, f"imports {full}")
            if alias.name in STREAM_ATTRS:
                self.flag(SIDE_STREAM, node, f"imports {full}")
            if alias.name in FILE_CALLS and module.split(".")[0] in {"torch", "numpy"}:
                self.flag(FILE_ACCESS, node, f"imports {full}")
            if alias.name == "load" and module == "torch.utils.cpp_extension":
                self.flag(FILE_ACCESS, node, "imports load (file sources); use load_inline")
            # `from torch import nn` binds a module; assigning to its attributes is patching.
            self.module_aliases.add(alias.asname or alias.name)
        self.generic_visit(node)

    def visit_Try(self, node: ast.AST) -> None:
        self.flag(TRY_EXCEPT, node, "try/except can hide a fallback to the reference op")
        self.generic_visit(node)

    visit_TryStar = visit_Try

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
        if chain and chain[0] in self.module_aliases:
            if any(p.startswith("_") for p in chain[1:]):
                self.flag(PRIVATE_API, node, f"uses {'.'.join(chain)}")
            if attr in STREAM_ATTRS and "cuda" in chain or attr == "Stream":
                self.flag(SIDE_STREAM, node, f"uses {'.'.join(chain)}")
            if attr in THREAD_ATTRS:
                self.flag(THREADS, node, f"uses {'.'.join(chain)}")
        if attr in SUBCLASS_ATTRS:
            self.flag(TENSOR_SUBCLASS, node, f"uses {attr}")
        self.generic_visit(node)

    def _check_target(self, target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._check_target(t, node)
            return
        if isinstance(target, ast.Subscript):
            target = target.value
        chain = _attr_chain(target)
        if len(chain) >= 2 and chain[0] in self.module_aliases:
            self.flag(MONKEY_PATCH, node, f"assigns to {'.'.join(chain)}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target, node)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.flag(INTROSPECTION, node, "global statement")
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
            )[0] in self.module_aliases
            if not literal or on_module:
                self.flag(DYNAMIC_CODE, node, "getattr with a computed name or on a module")
        if name in FILE_CALLS and (
            isinstance(node.func, ast.Name) or (chain and chain[0] in self.module_aliases)
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
        self.generic_visit(node)

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


def _extension_names(tree: ast.Module) -> set[str]:
    """Names (module-level or `self.x`) bound to the result of a `load_inline` call."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _call_name(node.value) == "load_inline":
                for target in node.targets:
                    chain = _attr_chain(target)
                    if chain:
                        names.add(chain[-1])
    # `self.ext = ext` aliases.
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in names:
            for target in node.targets:
                chain = _attr_chain(target)
                if chain:
                    names.add(chain[-1])
    return names


def _check_custom_kernel(
    tree: ast.Module, ref_ops: set[str], checker: _Checker
) -> None:
    uses_load_inline = any(
        isinstance(n, ast.Call) and _call_name(n) == "load_inline" for n in ast.walk(tree)
    )
    if not uses_load_inline:
        checker.flag(NO_CUSTOM_KERNEL, None, "no load_inline call: the task requires a custom kernel")
    extensions = _extension_names(tree)
    layers: dict[str, str] = {}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        layers.update(_layer_attrs(cls))
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name == "__init__":
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult) and "matmul" in ref_ops:
                checker.flag(REFERENCE_OP, node, "uses the @ operator the kernel should replace")
            if not isinstance(node, ast.Call):
                continue
            chain = _attr_chain(node.func)
            name = _call_name(node)
            if chain and (chain[0] in extensions or (len(chain) > 1 and chain[1] in extensions and chain[0] == "self")):
                continue  # a call into the custom extension
            if len(chain) == 2 and chain[0] == "self" and chain[1] in layers:
                layer = layers[chain[1]]
                if layer in ref_ops or layer.lower() in ref_ops:
                    checker.flag(REFERENCE_OP, node, f"forward calls the reference layer nn.{layer}")
                continue
            if name in COMPILER_CALLS and chain and chain[0] in checker.module_aliases:
                checker.flag(REFERENCE_OP, node, f"calls {'.'.join(chain)} instead of a custom kernel")
            elif name and name in ref_ops and name not in NEUTRAL_OPS:
                checker.flag(REFERENCE_OP, node, f"calls {'.'.join(chain) or name}, the op to replace")


def check_candidate(
    source: str,
    preset: str = "strict",
    reference_source: str | None = None,
    require_custom_kernel: bool = False,
) -> StaticReport:
    """Findings for a candidate that already parses (the caller reports syntax errors)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown static-check preset {preset!r}; choose one of {sorted(PRESETS)}")
    tree = ast.parse(source)
    checker = _Checker(PRESETS[preset])
    checker.visit(tree)
    if require_custom_kernel:
        ops = reference_ops(reference_source) if reference_source else set()
        _check_custom_kernel(tree, ops, checker)
    return StaticReport(checker.findings)
