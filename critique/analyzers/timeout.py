"""Timeouts -> findings: which test, how far the program got, the input size, a complexity hint.

The hint multiplies the input's size parameter by itself once per level of loop nesting
found in the candidate: n ≈ 1e5 with two nested loops is ~1e10 steps, far over any limit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from maxcode.benchmarks.task import Task
from maxcode.critique.analyzers.sanitizer import find_test_input
from maxcode.records.diagnosis import Finding
from maxcode.records.evaluation import Evaluation

# Simple operations a compiled program does per second, order of magnitude.
OPS_PER_SECOND = 3e8

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
_LOOP = re.compile(r"\b(for|while)\s*\(")
_INT = re.compile(r"-?\d+")
# The C++ judge's message: "exceeded the 10s time limit on test 3".
_LIMIT_IN_MESSAGE = re.compile(r"exceeded the ([\d.]+)\s*s time limit")


@dataclass
class LoopNesting:
    depth: int
    """Deepest nesting of for/while loops (0: no loop)."""
    line: int
    """1-based line of the innermost loop of the deepest nest."""


def loop_nesting(source: str) -> LoopNesting:
    """Deepest for/while nesting, by brace structure (comments and strings blanked first)."""
    text = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), source)
    text = _STRING.sub(lambda m: " " * len(m.group()), text)
    stack: list[bool] = []  # one entry per open brace: is it a loop body?
    pending = 0  # loops whose body is a single unbraced statement still open
    best = LoopNesting(0, 0)
    i = 0
    while i < len(text):
        match = (
            _LOOP.match(text, i)
            if text[i] in "fw" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))
            else None
        )
        if match:
            depth = sum(stack) + pending + 1
            if depth > best.depth:
                best = LoopNesting(depth, text.count("\n", 0, i) + 1)
            close = _matching_paren(text, match.end() - 1)
            j = close + 1
            while j < len(text) and text[j].isspace():
                j += 1
            if j < len(text) and text[j] == "{":
                stack.append(True)
                i = j + 1
            elif j < len(text) and text[j] == ";":  # `while (x);` or do-while tail
                i = j + 1
            else:
                pending += 1
                i = j
            continue
        ch = text[i]
        if ch == "{":
            stack.append(False)
        elif ch == "}":
            if stack:
                stack.pop()
        elif ch == ";" and pending and not _inside_for_header(text, i):
            pending = 0
        i += 1
    return best


def _matching_paren(text: str, open_index: int) -> int:
    depth = 0
    for k in range(open_index, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return len(text) - 1


def _inside_for_header(text: str, index: int) -> bool:
    # Cheap check: an unclosed '(' on the same line before this ';'.
    start = text.rfind("\n", 0, index) + 1
    segment = text[start:index]
    return segment.count("(") > segment.count(")")


def input_size(path: str) -> dict[str, float]:
    """Bytes, lines and the largest integer of the first line (the usual `n`)."""
    data = Path(path).read_text(errors="replace")
    first = data.splitlines()[0] if data else ""
    numbers = [int(x) for x in _INT.findall(first)[:8]]
    return {
        "bytes": len(data.encode()),
        "lines": data.count("\n") + (0 if data.endswith("\n") or not data else 1),
        "n": float(max(numbers)) if numbers else 0.0,
    }


def complexity_hint(n: float, depth: int, limit_s: float | None) -> str:
    """`O(n^d)` with this n is about n^d steps; say whether that fits the limit."""
    if depth < 1 or n < 2:
        return ""
    steps = n**depth
    budget = OPS_PER_SECOND * (limit_s or 1.0)
    if steps <= budget:
        return f"O(n^{depth}) with n≈{n:.0e} is ~{steps:.0e} steps, which fits; look for an infinite loop, a blocking read, or a per-iteration cost (I/O, allocation) instead"
    need = "O(n log n) or O(n)" if depth >= 2 else "fewer passes or a cheaper step"
    return f"{depth} nested loop(s) with n≈{n:.0e} is ~{steps:.0e} steps (~{steps / OPS_PER_SECOND:.0e} s): too slow; needs {need}"


def analyze_timeout(task: Task, candidate_source: str, evaluation: Evaluation) -> list[Finding]:
    """One finding: test, progress, input size and the complexity hint."""
    test = evaluation.failing_test
    limit_s = evaluation.details.get("time_limit_s") if evaluation.details else None
    if limit_s is None and (found := _LIMIT_IN_MESSAGE.search(evaluation.message)):
        limit_s = float(found.group(1))
    data: dict[str, object] = {"test": test, "time_limit_s": limit_s}
    summary = f"Timed out on test {test}" if test else "Timed out"
    summary += f" (limit {limit_s:g} s)." if isinstance(limit_s, (int, float)) else "."
    partial = (evaluation.details or {}).get("partial_stdout")
    if isinstance(partial, str):
        produced = len(partial.splitlines())
        data["lines_produced"] = produced
        summary += f" It had printed {produced} line(s) when killed."
    input_path = find_test_input(task, test)
    nesting = loop_nesting(candidate_source)
    data.update({"loop_depth": nesting.depth, "deepest_loop_line": nesting.line})
    if input_path and Path(input_path).is_file():
        size = input_size(input_path)
        data.update({f"input_{k}": v for k, v in size.items()})
        summary += f" Input: {size['bytes']:,} bytes, {size['lines']:,} lines, n≈{size['n']:.0f}."
        hint = complexity_hint(
            size["n"], nesting.depth, limit_s if isinstance(limit_s, (int, float)) else None
        )
        if hint:
            source_line = (
                candidate_source.splitlines()[nesting.line - 1].strip() if nesting.line else ""
            )
            summary += f" {hint}; deepest loop nest at line {nesting.line}: `{source_line[:100]}`."
            data["complexity_hint"] = hint
            data["estimated_steps_log10"] = round(math.log10(max(size["n"], 1)) * nesting.depth, 1)
    return [Finding(analyzer="timeout", summary=summary, data=data)]
