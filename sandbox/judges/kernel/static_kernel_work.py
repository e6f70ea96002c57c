"""Static custom-kernel check: is the custom kernel doing the work?

Follows the candidate's dataflow from what `load_inline` builds to `ModelNew.forward`'s
result, and compares the library ops forward runs with the reference's ops: no extension is
no-custom-kernel, a kernel whose result never reaches the output is kernel-unused, forward
computing every op of the reference with the library (or its compiler) is reference-op, and
library ops beside a kernel that does real work are library-op. Runs after the tamper pass,
whose record of the candidate's imports it reads and through which it reports.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from maxcode.sandbox.judges.kernel.static_ast import attr_chain, call_name
from maxcode.sandbox.judges.kernel.static_rules import (
    KERNEL_UNUSED,
    LIBRARY_OP,
    NO_CUSTOM_KERNEL,
    REFERENCE_OP,
)
from maxcode.sandbox.judges.kernel.static_tamper import TamperChecker

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


def op_key(name: str) -> str:
    """A library op's name as one key: `Conv2d`, `conv2d` -> conv2d; `LayerNorm` ->
    layer_norm; `relu_` -> relu; `BatchNorm2d` -> batch_norm."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])", "_", name).lower()
    snake = snake.replace("re_l_u", "relu").replace("ge_l_u", "gelu").replace("si_l_u", "silu")
    snake = snake.rstrip("_") or name
    return _NORM_DIMS.sub(r"\1", snake)


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
                    chain = attr_chain(node.func)
                    if chain[:1] == ["self"] and len(chain) == 2:
                        continue  # a layer: counted from __init__
                    name = call_name(node)
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
            chain = attr_chain(node.func)
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
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and call_name(node.iter) == "range":
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
        name = call_name(node)
        chain = attr_chain(node.func)
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
    checker: TamperChecker
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
                        chain = attr_chain(target)
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
            name = call_name(node)
            if name == "load_inline":
                return True
            chain = attr_chain(node.func)
            return chain[-1:] == [name] and name in self.factories and (len(chain) == 1 or chain[0] == "self")
        if isinstance(node, ast.Name):
            return node.id in self.extensions
        if isinstance(node, ast.Attribute):
            chain = attr_chain(node)
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
                        if attr_chain(target) == ["self", attr]:
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
        chain = attr_chain(call.func)
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
            if built is not None and p.checker.resolve(attr_chain(built.func)).startswith("torch."):
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
            if isinstance(sub, ast.Attribute) and attr_chain(sub)[:1] == ["self"] and ".".join(attr_chain(sub)[:2]) in tainted:
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
                            chain = attr_chain(target)
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
                            chain = attr_chain(sub) if isinstance(sub, ast.Attribute) else []
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
                chain = attr_chain(node.func)
                name = call_name(node)
                if not name or name in NEUTRAL_OPS or self.p.is_extension(node.func):
                    continue
                written = ".".join(chain) or name
                if len(chain) == 2 and chain[0] == "self":
                    built = self.p.layer_of(cls, chain[1])
                    if built is not None and not (isinstance(built.func, ast.Name) and built.func.id in self.p.classes):
                        layer = attr_chain(built.func)
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
            for c in [attr_chain(n.func)] if len(c) >= 2 and c[-2] == "nn" and c[-1][:1].isupper()
            and c[-1] not in _CONTAINERS}


def check_custom_kernel(tree: ast.Module, ref_ops: set[str], checker: TamperChecker) -> None:
    """Flag the kernel-work rules on `checker`, which must have visited `tree` already: its
    record of the candidate's imports tells library calls from the candidate's own."""
    uses_load_inline = any(
        isinstance(n, ast.Call) and call_name(n) == "load_inline" for n in ast.walk(tree)
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
            name = checker.resolve(attr_chain(expr))
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
