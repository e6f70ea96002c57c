"""A problem's forward as the C++ of its own ATen calls, by tracing: a load_inline program.

It serves two callers: the space proposer (maxcode/proposers/space/), whose base program for
a PyTorch reference with no kernel is this extension, annotated so that the traced rewrites
(maxcode/proposers/rewrites/kernel_traced.py) can fuse, re-layout and re-call its ops; and the
A/A census (maxcode/selfbench/kernel_census.py), which judges it as same-work-as-the-reference.

The problem's forward is traced to ATen ops with `make_fx` (fake tensors: nothing is
computed, so published sizes cost nothing here) and each op becomes the `at::` call of the
same name with the traced arguments, in the same order. The trace is taken before dispatch,
so the ops are those Python called: after dispatch, `F.max_pool1d` shows as
`max_pool2d_with_indices`, whose C++ call was judged 0.09x of the reference's fast path. The program's ModelNew subclasses
the problem's Model (so its parameters are built the same way) and passes its parameters,
buffers and tensor inputs to the extension. Unrewritten, the work is the reference's own: any
speedup a judge reports for it is an artifact of the judge.

Annotated (`annotate=True`), every tensor value carries its dtype and shape in a comment
(`// v3: float32[128, 512]`): the facts a rewrite needs that the C++ text does not say.

What cannot be emitted (a graph constant, an op argument with no C++ literal) raises
`NotEmittable` with the reason, so a census lists the problem instead of guessing.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.proxy_tensor import make_fx

_DTYPES = {torch.float32: "at::kFloat", torch.float64: "at::kDouble", torch.float16: "at::kHalf",
           torch.bfloat16: "at::kBFloat16", torch.int64: "at::kLong", torch.int32: "at::kInt",
           torch.int8: "at::kChar", torch.uint8: "at::kByte", torch.bool: "at::kBool"}
_FORMATS = {torch.contiguous_format: "at::MemoryFormat::Contiguous",
            torch.channels_last: "at::MemoryFormat::ChannelsLast",
            torch.preserve_format: "at::MemoryFormat::Preserve"}

_NONE_TYPES = {"Tensor": "::std::optional<at::Tensor>", "int": "::std::optional<int64_t>",
               "float": "::std::optional<double>", "bool": "::std::optional<bool>",
               "ScalarType": "::std::optional<at::ScalarType>", "List[int]": "at::OptionalIntArrayRef",
               "Layout": "::std::optional<at::Layout>", "Device": "::std::optional<at::Device>",
               "MemoryFormat": "::std::optional<at::MemoryFormat>", "Generator": "::std::optional<at::Generator>"}


class NotEmittable(Exception):
    """The traced forward has something this generator cannot write as C++."""


@dataclass(frozen=True)
class TracedProblem:
    """What the candidate needs besides the C++: which of the model's tensors go in, in order."""

    state_names: list[str]     # parameters then buffers, as `named_parameters`/`named_buffers` give them
    tensor_inputs: list[int]   # positions in get_inputs() that are tensors (the rest are baked in)
    input_count: int           # len(get_inputs())
    cpp: str                   # the extension's source: one function `forward`
    ops: list[str]             # the ATen ops it calls, in order


def trace(source: str, annotate: bool = False) -> TracedProblem:
    """Trace the problem's Model.forward at its get_inputs() shapes and emit the C++.

    The model and its inputs are made under fake tensors where they can be (shapes, no
    memory: a published-size level-1 file took seconds to build for real, and the whole level
    minutes); a constructor that needs real values (`.item()`, numpy) is run for real."""
    namespace: dict = {"__name__": "maxcode_census_problem"}
    exec(compile(source, "<problem>", "exec"), namespace)  # noqa: S102 - the benchmark's own problem file
    try:
        with FakeTensorMode():
            model = namespace["Model"](*namespace["get_init_inputs"]())
            inputs = namespace["get_inputs"]()
    except Exception:  # noqa: BLE001 - any constructor that reads values
        torch.manual_seed(0)
        model = namespace["Model"](*namespace["get_init_inputs"]())
        inputs = namespace["get_inputs"]()
    state = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    names = list(state)
    tensor_inputs = [i for i, v in enumerate(inputs) if isinstance(v, torch.Tensor)]

    def forward(*flat):
        given = dict(zip(names, flat[:len(names)], strict=True))
        args = list(inputs)
        for position, value in zip(tensor_inputs, flat[len(names):], strict=True):
            args[position] = value
        return torch.func.functional_call(model, given, tuple(args))

    with torch.no_grad():
        graph = make_fx(forward, tracing_mode="fake", pre_dispatch=True)(*state.values(), *(inputs[i] for i in tensor_inputs))
    cpp, ops = emit(graph.graph, annotate)
    return TracedProblem(names, tensor_inputs, len(inputs), cpp, ops)


def emit(graph: torch.fx.Graph, annotate: bool = False) -> tuple[str, list[str]]:
    """The C++ source of `forward(placeholders...)` making the graph's calls, and the ops."""
    names: dict[torch.fx.Node, str] = {}
    params, notes, body, ops = [], [], [], []
    result = None
    for node in graph.nodes:
        var = f"v{len(names)}"
        if node.op == "placeholder":
            names[node] = var
            params.append(f"torch::Tensor {var}")
            notes.append(f"    // {var}: {_value(node)}")
        elif node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload):
            names[node] = var
            body.append(f"    auto {var} = {_call(node, names)};" + (f"  // {var}: {_value(node)}" if annotate else ""))
            ops.append(str(node.target))
        elif node.op == "call_function" and node.target is _getitem():
            source, index = node.args
            names[node] = var
            body.append(f"    auto {var} = {_item(source, index, names)};")
        elif node.op == "output":
            result = node.args[0]
        else:
            raise NotEmittable(f"graph node {node.op} {node.target} (a constant or a Python call)")
    returned = _returned(result, names)
    kind = "torch::Tensor" if len(returned) == 1 and not isinstance(result, (tuple, list)) else \
        f"std::tuple<{', '.join(['torch::Tensor'] * len(returned))}>"
    value = returned[0] if kind == "torch::Tensor" else f"{kind}({', '.join(returned)})"
    lines = ["#include <torch/extension.h>", "", f"{kind} forward({', '.join(params)}) {{",
             *(notes if annotate else []), *body,
             f"    return {value};", "}", ""]
    return "\n".join(lines), ops


_DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
                torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool"}


def _value(node: torch.fx.Node) -> str:
    """`float32[128, 512]` for a tensor value (`?` where the trace kept no fake tensor or
    the dtype is one no rewrite reads), `tuple` for anything else."""
    value = node.meta.get("val")
    if not isinstance(value, torch.Tensor):
        return "tuple" if isinstance(value, (tuple, list)) else "?"
    contiguous = "" if value.is_contiguous() else " strided"
    return f"{_DTYPE_NAMES.get(value.dtype, '?')}[{', '.join(str(int(d)) for d in value.shape)}]{contiguous}"


def _has_function(base: str) -> bool:
    """Whether `at::base` exists: the Python bindings of ATen's function variants are spread
    over torch, torch._C._nn, torch._C._linalg, torch._C._special and torch._C._fft; private
    ops (`_unsafe_view`) have no binding and are functions."""
    return base.startswith("_") or any(hasattr(space, base) for space in (torch, torch._C._nn, torch._C._linalg, torch._C._special,
                                                   torch._C._fft))


def _getitem():
    return operator.getitem


def _item(source: torch.fx.Node, index: int, names: dict) -> str:
    returns = source.target._schema.returns
    if len(returns) == 1 and isinstance(returns[0].type, torch.ListType):
        return f"{names[source]}[{index}]"
    return f"std::get<{index}>({names[source]})"


def _returned(result, names: dict) -> list[str]:
    values = result if isinstance(result, (tuple, list)) else [result]
    if not all(isinstance(v, torch.fx.Node) for v in values):
        raise NotEmittable(f"forward returns a non-tensor value: {result!r}")
    return [names[v] for v in values]


def _call(node: torch.fx.Node, names: dict) -> str:
    schema = node.target._schema
    base = schema.name.split("::", 1)[1]
    args = []
    for position, argument in enumerate(schema.arguments):
        if position < len(node.args) and not argument.kwarg_only:
            value = node.args[position]
        elif argument.name in node.kwargs:
            value = node.kwargs[argument.name]
        elif argument.has_default_value():
            value = argument.default_value
        else:
            raise NotEmittable(f"{node.target}: no value for {argument.name}")
        args.append(_literal(value, argument.real_type, names, node))
    if not _has_function(base):  # a method-only op (view, add_)
        return f"{args[0]}.{base}({', '.join(args[1:])})"
    return f"at::{base}({', '.join(args)})"


def _literal(value, kind, names: dict, node) -> str:
    text = str(kind)  # the schema's type: "Tensor", "Optional[ScalarType]", "List[int]", ...
    optional = isinstance(kind, torch.OptionalType)
    if value is None:
        if optional:
            # Typed, so that overloads differing in an optional argument are not ambiguous.
            inner = _NONE_TYPES.get(str(kind.getElementType()))
            return f"{inner}()" if inner else "::std::nullopt"
        raise NotEmittable(f"{node.target}: None for non-optional {text}")
    if isinstance(value, torch.fx.Node):
        return names[value]
    if isinstance(value, (list, tuple)):
        if any(v is None for v in value):
            raise NotEmittable(f"{node.target}: a list holding None ({text})")
        items = [_literal(v, None, names, node) for v in value]
        if "List[bool]" in text:
            return f"::std::array<bool, {len(items)}>{{{', '.join(items)}}}"
        if "List[Tensor]" in text:
            return f"::std::vector<at::Tensor>{{{', '.join(items)}}}"
        return f"::std::vector<int64_t>{{{', '.join(items)}}}" if all(isinstance(v, int) for v in value) \
            else f"{{{', '.join(items)}}}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"int64_t({value})"
    if isinstance(value, float):
        if math.isnan(value):
            return "NAN"
        if math.isinf(value):
            return "INFINITY" if value > 0 else "-INFINITY"
        return repr(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, torch.dtype) and value in _DTYPES:
        return _DTYPES[value]
    if isinstance(value, torch.memory_format) and value in _FORMATS:
        return _FORMATS[value]
    if isinstance(value, torch.layout) and value == torch.strided:
        return "at::kStrided"
    if isinstance(value, torch.device):
        return f'at::Device("{value}")'
    raise NotEmittable(f"{node.target}: no C++ literal for {value!r} ({text})")


def program(problem: str, traced: TracedProblem, name: str, note: str, call_extension: bool = True) -> str:
    """The problem followed by a ModelNew whose forward calls the traced extension
    (`call_extension`), or builds and loads it but calls the Model's own forward. `name`: the
    extension's (a build directory per name); `note`: a comment saying who wrote it.

    The parameters and buffers are gathered once, at construction (the harness moves a model
    with `.to`, which keeps the same Parameter objects), so a call adds no Python beyond the
    extension's own call: at a 60 us ReLU, gathering them in every call cost ~7%."""
    if not call_extension:
        forward = "        return super().forward(*inputs)"
    elif len(traced.tensor_inputs) == traced.input_count:
        forward = "        return traced_ext.forward(*self._traced_state, *inputs)"
    else:
        picked = "".join(f"inputs[{i}], " for i in traced.tensor_inputs)
        forward = f"        return traced_ext.forward(*self._traced_state, {picked})"
    return f'''{problem.rstrip()}


# {note}
# The reference's ATen calls ({', '.join(traced.ops) or 'none'}) made from a load_inline extension.
from torch.utils.cpp_extension import load_inline

traced_cpp = r"""
{traced.cpp}"""
traced_ext = load_inline(name="{name}", cpp_sources=traced_cpp, functions=["forward"])


class ModelNew(Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._traced_state = (*self.parameters(), *self.buffers())

    def forward(self, *inputs):
{forward}
'''
