"""Wrong answers -> findings: which test, the first differing line, the size of the error.

For C++ the judge's `Mismatch` gives the first differing line; the numbers in it often say
what kind of bug it is (a wrap-around of 2^32 is an `int` overflow, a difference of one is
an off-by-one). For kernels, `tensor_error_profile` + `classify_tensor_error` read the
pattern of the error over the tensor (see `maxcode.critique.analyzers.tensor_errors`).
"""

from __future__ import annotations

import math

from maxcode.records.diagnosis import Finding
from maxcode.records.evaluation import Evaluation
from maxcode.sandbox.judges.cpp.output_rule import END_OF_OUTPUT

MAX_SHOWN_CHARS = 120
INT32_WRAP = 1 << 32


def _numbers(text: str) -> list[float] | None:
    """The whitespace-separated tokens of `text` as numbers, or None if any is not one."""
    tokens = text.split()
    try:
        return [float(t) for t in tokens] if tokens else None
    except ValueError:
        return None


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + "…"


def numeric_hint(expected: list[float], got: list[float]) -> tuple[str, dict[str, float]]:
    """A guess at the bug class from the first pair of differing numbers."""
    facts: dict[str, float] = {}
    if len(expected) != len(got):
        return f"the line has {len(got)} number(s) where {len(expected)} were expected", facts
    pairs = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    if not pairs:
        return "", facts
    e, g = pairs[0]
    diff = g - e
    facts = {"expected": e, "got": g, "abs_error": abs(diff)}
    if e != 0:
        facts["rel_error"] = abs(diff) / abs(e)
    integral = e.is_integer() and g.is_integer()
    if integral and diff != 0 and abs(diff) % INT32_WRAP == 0:
        return (
            "the values differ by a multiple of 2^32: a 32-bit integer overflow (use long long / int64_t)",
            facts,
        )
    if integral and abs(e) > 2**31 - 1 and abs(g) <= 2**31:
        return (
            "the expected value does not fit in 32 bits: an accumulator or product is probably `int`",
            facts,
        )
    if integral and abs(e) > 2**63 - 1:
        return (
            "the expected value exceeds 64 bits: the arithmetic needs a modulus or big integers",
            facts,
        )
    if integral and abs(diff) == 1:
        return "off by one: check loop bounds, inclusive/exclusive ranges and initial values", facts
    if not integral and e != 0 and abs(diff) / abs(e) < 1e-2:
        return (
            "close but outside tolerance: floating-point precision (float vs double) or too few printed digits",
            facts,
        )
    if integral and g == 0 and e != 0:
        return "got zero: a result never assigned, a loop that never runs, or early exit", facts
    return "", facts


def analyze_cpp_mismatch(evaluation: Evaluation) -> list[Finding]:
    """One finding from the judge's first mismatch (test, line, expected vs got, error size)."""
    mismatch = evaluation.mismatch
    if mismatch is None:
        test = evaluation.failing_test or "a test"
        return [
            Finding(
                analyzer="wrong_answer",
                summary=f"Wrong answer on {test}; the judge recorded no mismatch detail. {evaluation.message}".strip(),
                data={"test": evaluation.failing_test},
            )
        ]
    where = f"test {mismatch.test}" + (f", line {mismatch.line}" if mismatch.line else "")
    expected, got = mismatch.expected, mismatch.got
    summary = f"Wrong answer on {where}: expected `{_shorten(expected)}`, got `{_shorten(got)}`."
    data: dict[str, object] = {
        "test": mismatch.test,
        "line": mismatch.line,
        "expected": _shorten(expected),
        "got": _shorten(got),
    }
    if got == END_OF_OUTPUT or not got.strip():
        summary += " The candidate printed nothing there: output missing, not flushed, or the program stopped early."
        data["hint"] = "missing_output"
    else:
        exp_nums, got_nums = _numbers(expected), _numbers(got)
        if exp_nums is not None and got_nums is not None:
            hint, facts = numeric_hint(exp_nums, got_nums)
            data.update(facts)
            if "abs_error" in facts:
                rel = facts.get("rel_error")
                summary += (
                    f" Absolute error {facts['abs_error']:.6g}"
                    + (f" (relative {rel:.3g})" if rel is not None and math.isfinite(rel) else "")
                    + "."
                )
            if hint:
                summary += f" Likely {hint}."
                data["hint"] = hint
        elif mismatch.max_abs_error is not None:
            summary += f" Max absolute error {mismatch.max_abs_error:.6g}."
    if mismatch.max_abs_error is not None:
        data["max_abs_error"] = mismatch.max_abs_error
    return [Finding(analyzer="wrong_answer", summary=summary, data=data)]
