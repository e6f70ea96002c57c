"""AST checks of a kernel candidate, run on the host before anything executes.

They are the first line only: every exploit they target is also caught or made harmless by
the dynamic checks (process separation, fresh inputs, host-side comparison, re-verification
by the runner's clock), so a rule may be strict without being the only defence. Each rule is
a named constant with its rationale; a preset maps each rule to `error` (reject),
`warning` (recorded in the Evaluation's details) or `off`.

This module holds the presets and the entry point; the checks live beside it:
`static_rules` (the rule catalogue: what a finding is and why), `static_tamper` (does the
candidate reach outside its kernel's job?) and `static_kernel_work` (is the custom kernel
doing the work?). The rule catalogue, `fp32_task` and `reference_ops` are re-exported
here, so callers need this module alone.
"""

from __future__ import annotations

import ast

from maxcode.sandbox.judges.kernel.static_kernel_work import check_custom_kernel, reference_ops
from maxcode.sandbox.judges.kernel.static_rules import (
    DENIED_IMPORT,
    DYNAMIC_CODE,
    FILE_ACCESS,
    FORBIDDEN_IMPORT,
    INTROSPECTION,
    KERNEL_UNUSED,
    LIBRARY_OP,
    MONKEY_PATCH,
    NATIVE_ESCAPE,
    NO_CUSTOM_KERNEL,
    PASS_STATEMENT,
    PRECISION_DOWNGRADE,
    PRIVATE_API,
    REFERENCE_OP,
    RULES,
    SIDE_STREAM,
    SIDE_STREAM_JOINED,
    TENSOR_SUBCLASS,
    THREADS,
    TRY_EXCEPT,
    Finding,
    Rule,
    StaticReport,
)
from maxcode.sandbox.judges.kernel.static_tamper import TamperChecker, fp32_task, joins_streams

__all__ = [
    "DENIED_IMPORT", "DYNAMIC_CODE", "FILE_ACCESS", "FORBIDDEN_IMPORT", "INTROSPECTION",
    "KERNEL_UNUSED", "LIBRARY_OP", "MONKEY_PATCH", "NATIVE_ESCAPE", "NO_CUSTOM_KERNEL",
    "PASS_STATEMENT", "PRECISION_DOWNGRADE", "PRESETS", "PRIVATE_API", "REFERENCE_OP", "RULES",
    "SIDE_STREAM", "SIDE_STREAM_JOINED", "TENSOR_SUBCLASS", "THREADS", "TRY_EXCEPT", "Finding",
    "Rule", "StaticReport", "check_candidate", "fp32_task", "reference_ops",
]

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
    checker = TamperChecker(PRESETS[preset], fp32_task(reference_source), joins_streams(tree))
    checker.visit(tree)
    if require_custom_kernel:
        ops = reference_ops(reference_source) if reference_source else set()
        check_custom_kernel(tree, ops, checker)
    checker.findings.sort(key=lambda f: (f.line, f.rule))
    return StaticReport(checker.findings)
