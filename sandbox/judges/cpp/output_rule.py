"""PIE's output rule: is a program's stdout the expected stdout?

PIE (Shypula et al., 2024) strips both outputs, compares them line by line, and accepts a
line when it is equal as a string or when both sides parse as numbers within 1e-3
absolute. This module implements that rule with the edge cases decided explicitly:

- Whitespace: both outputs are stripped as a whole (so trailing newlines and trailing blank
  lines never matter), `\\r\\n` counts as `\\n`, and each line is compared with its own
  leading/trailing whitespace removed. Blank lines *inside* the output do count.
- Line count: after stripping, the candidate must have exactly as many lines as expected;
  a missing line or an extra non-blank line is a mismatch (PIE's `zip` would ignore extra
  lines, which lets a program print every answer it can think of).
- Tokens: a line that is not equal as a string is split on whitespace and compared token
  by token; with one token per line this is exactly PIE's rule, and it also accepts
  `0.3333333 0.5` against `0.333333 0.5`.
- Integers compare exactly: two tokens that are both plain integers must be equal, because
  a float comparison calls 123456789012345678 and 123456789012345679 equal.
- Only decimal literals count as numbers (`nan`, `inf`, `1_000`, hex are strings), so the
  tolerance cannot be gamed with Python's permissive `float()`.
"""

from __future__ import annotations

import re

from maxcode.records.evaluation import Mismatch

ABS_TOLERANCE = 1e-3
"""PIE's absolute tolerance between two numeric tokens."""

END_OF_OUTPUT = "<end of output>"
"""A Mismatch side that ran out of lines: `got` when output is missing, `expected` when extra."""

# Longest line text kept in a Mismatch; outputs can be megabytes on one line.
_MAX_SHOWN = 200

_INT = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text.split("\n") if text else []


def _shown(line: str) -> str:
    return line if len(line) <= _MAX_SHOWN else line[:_MAX_SHOWN] + "..."


def _token_error(expected: str, got: str) -> float | None:
    """0.0 when two tokens match, the numeric difference when both are numbers, else None."""
    if expected == got:
        return 0.0
    if _INT.fullmatch(expected) and _INT.fullmatch(got):
        try:
            diff = abs(int(expected) - int(got))
        except ValueError:  # longer than Python's int-parsing digit limit: strings differ
            return None
        return float(min(diff, 10**300))
    if _NUMBER.fullmatch(expected) and _NUMBER.fullmatch(got):
        try:
            return abs(float(expected) - float(got))
        except OverflowError:
            return None
    return None


def _line_matches(expected: str, got: str) -> tuple[bool, float | None]:
    """Whether one line matches, and the largest numeric difference seen on it."""
    expected, got = expected.strip(), got.strip()
    if expected == got:
        return True, None
    exp_tokens, got_tokens = expected.split(), got.split()
    if len(exp_tokens) != len(got_tokens):
        return False, None
    worst: float | None = None
    ok = True
    for e, g in zip(exp_tokens, got_tokens, strict=True):
        err = _token_error(e, g)
        if err is None:
            ok = False
            continue
        if e != g:
            worst = err if worst is None else max(worst, err)
            both_int = bool(_INT.fullmatch(e) and _INT.fullmatch(g))
            if err > (0.0 if both_int else ABS_TOLERANCE):
                ok = False
    return ok, worst


def compare_outputs(test: str, expected: str | bytes, got: str | bytes) -> Mismatch | None:
    """None when `got` matches `expected` under PIE's rule, else the first mismatch."""
    if isinstance(expected, bytes):
        expected = expected.decode("utf-8", errors="replace")
    if isinstance(got, bytes):
        got = got.decode("utf-8", errors="replace")
    exp_lines, got_lines = _lines(expected), _lines(got)
    for i, exp in enumerate(exp_lines):
        if i >= len(got_lines):
            return Mismatch(test=test, line=i + 1, expected=_shown(exp), got=END_OF_OUTPUT)
        ok, err = _line_matches(exp, got_lines[i])
        if not ok:
            return Mismatch(
                test=test, line=i + 1, expected=_shown(exp.strip()),
                got=_shown(got_lines[i].strip()), max_abs_error=err,
            )
    if len(got_lines) > len(exp_lines):
        extra = len(exp_lines)
        return Mismatch(
            test=test, line=extra + 1, expected=END_OF_OUTPUT,
            got=_shown(got_lines[extra].strip()),
        )
    return None
