"""Rewrites of a traced program: a reference's forward as the C++ of its own ATen calls
(maxcode/proposers/space/aten_trace.py, annotated), whose lines read

    auto v5 = at::leaky_relu(v4, 0.1);  // v5: float32[1024, 8192]

Each rewrite changes what those calls do, knowing each value's dtype and shape from its
annotation:
- `fuse_elementwise`: every chain of elementwise ops (a producer's output through relu,
  scale, bias add, clamp, GELU...) becomes one C++ loop that reads each element once and
  writes it once, in place where the producer's output is used by nothing else; the loop is
  plain C++, so the CPU kernel rewrites (OpenMP, simd, `__restrict__`, flags) apply to it;
- `channels_last`: convolutions run on channels-last (NHWC) input and weights;
- `linear_addmm`: a 2-D `linear` with a bias as one `addmm`;
- `inference_mode`: the forward under `c10::InferenceMode` (no autograd bookkeeping).
A rewrite returns None where the program has nothing it applies to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

CALL = re.compile(r"^(?P<pad>[ \t]*)auto (?P<var>v\d+) = at::(?P<op>\w+)\((?P<args>.*)\);"
                  r"(?:[ \t]*// v\d+: (?P<value>\S.*))?$", re.M)
NOTE = re.compile(r"^[ \t]*// (?P<var>v\d+): (?P<value>\S.*)$", re.M)
VALUE = re.compile(r"^(?P<dtype>\w+)\[(?P<shape>[\d, ]*)\](?P<strided> strided)?$")

FRESH = {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "linear",
         "matmul", "mm", "bmm", "addmm", "batch_norm", "group_norm", "layer_norm", "instance_norm",
         "softmax", "log_softmax", "mean", "sum", "logsumexp", "max_pool1d", "max_pool2d", "max_pool3d",
         "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "clone"}
"""Ops whose output is a new tensor (not a view of another): a chain may overwrite it."""


@dataclass(frozen=True)
class Value:
    dtype: str
    shape: tuple[int, ...]
    contiguous: bool

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True)
class Call:
    """One `auto v = at::op(args);` line of the traced forward."""

    start: int
    end: int
    pad: str
    var: str
    op: str
    args: tuple[str, ...]
    value: Value | None


def _value(text: str | None) -> Value | None:
    found = VALUE.match(text.strip()) if text else None
    if found is None:
        return None
    shape = tuple(int(d) for d in found.group("shape").split(",") if d.strip())
    return Value(found.group("dtype"), shape, not found.group("strided"))


def split_args(text: str) -> tuple[str, ...]:
    """Top-level comma-separated arguments (brackets, braces and angle brackets nest)."""
    parts, depth, last = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "([{<"
        depth -= ch in ")]}>"
        if ch == "," and depth == 0:
            parts.append(text[last:i].strip())
            last = i + 1
    tail = text[last:].strip()
    return (*parts, tail) if tail or parts else ()


def calls(code: str) -> list[Call]:
    return [Call(f.start(), f.end(), f.group("pad"), f.group("var"), f.group("op"),
                 split_args(f.group("args")), _value(f.group("value"))) for f in CALL.finditer(code)]


def values(code: str) -> dict[str, Value]:
    """Every annotated value: the forward's inputs and every call's result."""
    found = {f.group("var"): _value(f.group("value")) for f in NOTE.finditer(code)}
    found.update({c.var: c.value for c in calls(code)})
    return {k: v for k, v in found.items() if v is not None}


def uses(code: str, var: str) -> int:
    """References to `var` outside its own definition and the annotations."""
    text = re.sub(r"//[^\n]*", "", code)
    return len(re.findall(rf"\b{var}\b", text)) - len(re.findall(rf"\bauto {var} =", text))


def _traced(fn: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """`fn` on the traced forward's C++ (a program this module's rewrites know)."""
    def apply(src: str) -> str | None:
        if "traced_cpp" not in src:
            return None
        return _edit_traced(src, fn)
    return apply


def _edit_traced(src: str, fn: Callable[[str], str | None]) -> str | None:
    found = re.search(r'^traced_cpp = r"""(?P<code>.*?)"""', src, re.M | re.S)
    if found is None:
        return None
    new = fn(found.group("code"))
    if new is None or new == found.group("code"):
        return None
    return src[:found.start("code")] + new + src[found.end("code"):]


# --- fuse_elementwise -------------------------------------------------------------------

def _scalar(arg: str) -> str | None:
    """The C++ float of a scalar literal the emitter wrote (`2.0`, `int64_t(1)`, `-INFINITY`)."""
    arg = arg.strip()
    found = re.fullmatch(r"int64_t\((-?\d+)\)", arg)
    if found:
        return f"{float(found.group(1))!r}f"
    if re.fullmatch(r"-?(?:\d+\.?\d*(?:e[-+]?\d+)?|\d*\.\d+(?:e[-+]?\d+)?)", arg, re.I):
        return f"{float(arg)!r}f"
    if arg in ("INFINITY", "-INFINITY", "NAN"):
        return arg
    return None


def _none(arg: str) -> bool:
    return "nullopt" in arg or arg.endswith("()") and "optional" in arg


def _unary(call: Call, x: str) -> str | None:
    """The statement computing `call` of `x` in place, or None where it is not one this knows."""
    a = call.args
    s = [_scalar(v) for v in a[1:]]
    forms = {
        "relu": lambda: "x = x < 0.0f ? 0.0f : x;",
        "leaky_relu": lambda: s[0] and f"x = x < 0.0f ? x * {s[0]} : x;",
        "sigmoid": lambda: "x = 1.0f / (1.0f + std::exp(-x));",
        "tanh": lambda: "x = std::tanh(x);",
        "silu": lambda: "x = x / (1.0f + std::exp(-x));",
        "mish": lambda: "x = x * std::tanh(x > 20.0f ? x : std::log1p(std::exp(x)));",
        "softplus": lambda: s[0] and s[1] and (f"x = x * {s[0]} > {s[1]} ? x : "
                                               f"std::log1p(std::exp(x * {s[0]})) / {s[0]};"),
        "hardswish": lambda: "x = x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;",
        "hardsigmoid": lambda: "x = std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;",
        "hardtanh": lambda: s[0] and s[1] and f"x = std::min(std::max(x, {s[0]}), {s[1]});",
        "clamp_min": lambda: s[0] and f"x = std::max(x, {s[0]});",
        "clamp_max": lambda: s[0] and f"x = std::min(x, {s[0]});",
        "abs": lambda: "x = std::fabs(x);",
        "exp": lambda: "x = std::exp(x);",
        "neg": lambda: "x = -x;",
        "gelu": lambda: {'"none"': "x = 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));",
                         '"tanh"': "x = 0.5f * x * (1.0f + std::tanh(0.79788456080286536f * "
                                   "(x + 0.044715f * x * x * x)));"}.get(a[1] if len(a) > 1 else '"none"'),
    }
    if not a or a[0] != x:
        return None
    if call.op == "clamp" and len(a) == 3:
        lo, hi = (None if _none(v) else _scalar(v) for v in a[1:])
        if (lo is None and not _none(a[1])) or (hi is None and not _none(a[2])) or (lo is None and hi is None):
            return None
        low = f"std::max(x, {lo})" if lo else "x"
        return f"x = std::min({low}, {hi});" if hi else f"x = {low};"
    form = forms.get(call.op)
    if form is None:
        return None
    try:
        return form() or None
    except IndexError:
        return None


@dataclass(frozen=True)
class Operand:
    """A tensor the loop reads besides the chain: element `i` of the output is `p[index]`."""

    var: str
    index: str


def _operand(var: str, value: Value | None, out: Value) -> str | None:
    """The C++ index into `var` (contiguous) for output element `i`, where `var` broadcasts to
    the output as one block of its dimensions (a bias of shape (C, 1, 1), a row, a scalar)."""
    if value is None or value.dtype != "float32" or len(value.shape) > len(out.shape):
        return None
    if value.numel == 1:
        return "0"
    shape = (1,) * (len(out.shape) - len(value.shape)) + value.shape
    kept = [d for d, (s, o) in enumerate(zip(shape, out.shape, strict=True)) if s != 1]
    if any(shape[d] != out.shape[d] for d in kept) or kept != list(range(kept[0], kept[-1] + 1)):
        return None
    inner = 1
    for d in out.shape[kept[-1] + 1:]:
        inner *= d
    block = 1
    for d in kept:
        block *= out.shape[d]
    if block * inner == out.numel:
        return "i" if inner == 1 else f"i / {inner}"
    return f"i % {block}" if inner == 1 else f"(i / {inner}) % {block}"


def _binary(call: Call, x: str, known: dict[str, Value], out: Value,
            operands: list[Operand]) -> str | None:
    """The statement for add/sub/mul/div of `x` with a scalar or a broadcast tensor."""
    if call.op not in ("add", "sub", "mul", "multiply", "div") or len(call.args) < 2:
        return None
    a, b = call.args[0], call.args[1]
    if (a == x) == (b == x):
        return None
    other = b if a == x else a
    alpha = _scalar(call.args[2]) if call.op in ("add", "sub") and len(call.args) > 2 else "1.0f"
    term = _scalar(other)
    if alpha is None:
        return None
    if term is None:
        index = _operand(other, known.get(other), out)
        if index is None:
            return None
        if Operand(other, index) not in operands:
            operands.append(Operand(other, index))
        term = f"p{operands.index(Operand(other, index))}[{index}]"
    op = {"add": "+", "sub": "-", "mul": "*", "multiply": "*", "div": "/"}[call.op]
    scaled = (lambda t: t) if alpha == "1.0f" else (lambda t: f"{alpha} * {t}")
    if a == x:
        return f"x = x {op} {scaled(term) if op in '+-' else term};"
    return f"x = {term} {op} {scaled('x') if op in '+-' else 'x'};"


def _chain(code: str, found: list[Call], start: int,
           known: dict[str, Value]) -> tuple[str, int, list[str], list[Operand]] | None:
    """From `found[start]`, the longest run of consecutive elementwise calls each taking the
    previous one's result (used nowhere else): (its source, calls in it, statements,
    operands). Every value in it has the source's dtype (float32) and shape."""
    first = found[start]
    if first.value is None or first.value.dtype != "float32":
        return None
    shape = first.value.shape
    for source in dict.fromkeys(a for a in first.args if a in known):
        if (known[source].dtype, known[source].shape) != ("float32", shape):
            continue
        statements: list[str] = []
        operands: list[Operand] = []
        x, i = source, start
        while i < len(found):
            call = found[i]
            if i > start and (code[found[i - 1].end:call.start].strip() or uses(code, x) != 1):
                break
            if call.value is None or (call.value.dtype, call.value.shape) != ("float32", shape) \
                    or call.args.count(x) != 1:
                break
            statement = _unary(call, x) or _binary(call, x, known, first.value, operands)
            if statement is None:
                break
            statements.append(statement)
            x, i = call.var, i + 1
        if statements:
            return source, i - start, statements, operands
    return None


def _fuse(code: str) -> str | None:
    found = calls(code)
    known = values(code)
    producers = {c.var: c for c in found}
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(found):
        chain = _chain(code, found, i, known)
        if chain is None:
            i += 1
            continue
        source, length, statements, operands = chain
        first, last = found[i], found[i + length - 1]
        producer = producers.get(source)
        in_place = producer is not None and producer.op in FRESH and uses(code, source) == 1
        edits.append((first.start, last.end, _loop(first.pad, source, last.var, statements, operands, in_place)))
        i += length
    if not edits:
        return None
    for start, end, text in reversed(edits):
        code = code[:start] + text + code[end:]
    return code


def _loop(pad: str, source: str, var: str, statements: list[str], operands: list[Operand], in_place: bool) -> str:
    inner = pad + "    "
    # In place where the source is a fresh tensor nothing else reads; else a new one.
    made = f"{var}_in" if in_place else f"at::empty_like({var}_in, at::MemoryFormat::Contiguous)"
    lines = [f"{pad}at::Tensor {var}_in = {source}.contiguous();", f"{pad}at::Tensor {var} = {made};"]
    lines += [f"{pad}at::Tensor {var}_p{k} = {o.var}.contiguous();" for k, o in enumerate(operands)]
    lines += [f"{pad}{{",
              f"{inner}const float* in = {var}_in.data_ptr<float>();",
              f"{inner}float* out = {var}.data_ptr<float>();",
              *(f"{inner}const float* p{k} = {var}_p{k}.data_ptr<float>();" for k in range(len(operands))),
              f"{inner}const int64_t n = {var}.numel();",
              f"{inner}for (int64_t i = 0; i < n; ++i) {{",
              f"{inner}    float x = in[i];",
              *(f"{inner}    {s}" for s in statements),
              f"{inner}    out[i] = x;",
              f"{inner}}}",
              f"{pad}}}"]
    return "\n".join(lines)


def fuse_elementwise(src: str) -> str | None:
    """Each chain of elementwise ops one loop over the elements (see the module docstring)."""
    return _traced(_fuse)(src)


# --- layouts and calls ------------------------------------------------------------------

def _recall(code: str, new_call: Callable[[Call, dict[str, Value]], str | None]) -> str | None:
    """Each call line that `new_call` gives a new right-hand side (`at::op(args)`), rewritten
    with its annotation kept; None where it gives none."""
    known = values(code)
    out, last = [], 0
    for call in calls(code):
        rhs = new_call(call, known)
        if rhs is None:
            continue
        note = code[call.start:call.end].split(");", 1)[1]
        out.append(f"{code[last:call.start]}{call.pad}auto {call.var} = {rhs};{note}")
        last = call.end
    return "".join(out) + code[last:] if out else None


def _channels_last(call: Call, known: dict[str, Value]) -> str | None:
    if call.op not in ("conv2d", "conv_transpose2d") or len(call.args) < 2:
        return None
    if any(a not in known or len(known[a].shape) != 4 for a in call.args[:2]):
        return None
    args = [f"{a}.contiguous(at::MemoryFormat::ChannelsLast)" for a in call.args[:2]] + list(call.args[2:])
    return f"at::{call.op}({', '.join(args)})"


def channels_last(src: str) -> str | None:
    """2-D convolutions on channels-last input and weights (oneDNN's preferred layout on CPU)."""
    return _traced(lambda code: _recall(code, _channels_last))(src)


def _addmm(call: Call, known: dict[str, Value]) -> str | None:
    if call.op != "linear" or len(call.args) != 3 or _none(call.args[2]):
        return None
    x = known.get(call.args[0])
    if x is None or len(x.shape) != 2:
        return None
    return f"at::addmm({call.args[2]}, {call.args[0]}, {call.args[1]}.t())"


def linear_addmm(src: str) -> str | None:
    """A 2-D `linear` with a bias as `addmm(bias, x, w.t())`: one GEMM with the bias as its
    accumulator."""
    return _traced(lambda code: _recall(code, _addmm))(src)


def _inference_mode(code: str) -> str | None:
    if "InferenceMode" in code:
        return None
    found = re.search(r"^\S[^\n]*\bforward\([^)]*\)\s*\{\n", code, re.M)
    if found is None:
        return None
    return code[:found.end()] + "    c10::InferenceMode guard;\n" + code[found.end():]


def inference_mode(src: str) -> str | None:
    """The forward under `c10::InferenceMode`: its ops record nothing for autograd."""
    return _traced(_inference_mode)(src)

