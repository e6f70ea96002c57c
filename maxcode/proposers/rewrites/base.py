"""The record of one rewrite, and the small C++ scanner the rewrites share.

A rewrite is a name, the task language it reads (`cpp`: a whole C++ program; `python`: a
KernelBench `ModelNew` whose kernels are `load_inline` C++/CUDA strings), the bottlenecks it
targets (the critique's `bottleneck` tags), and a deterministic `apply(source)` that returns
the rewritten program, or None where the rewrite does not apply. Applicability *is* "apply
returns a different program": there is no second check to drift out of step with the first.

The scanner does not parse C++. It masks comments and string/char literals (same length, so
positions found in the mask are positions in the source), matches brackets, and finds the
extent of a statement; each rewrite then works on patterns narrow enough to be safe, and
returns None when in doubt. A rewrite that still yields a wrong or non-compiling program is
judged like any other candidate (`wrong_answer`, `compile_error`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# The critique's bottleneck tags (critique/rules.py) a rewrite may target.
IO, CONTAINER, ALLOCATION, HOT_LOOP, SPREAD = "io", "container", "allocation", "hot_loop", "spread"
COMPUTE_BOUND, MEMORY_BOUND = "compute_bound", "memory_bound"


@dataclass(frozen=True)
class Rewrite:
    """One named source-to-source rewrite."""

    name: str
    """Unique, what users type in `proposer.only` / `proposer.exclude` and what nodes record."""
    language: str
    """`cpp` (a C++ program) or `python` (a kernel candidate with load_inline sources)."""
    targets: tuple[str, ...]
    """Bottleneck tags this rewrite addresses; a diagnosis naming one puts it first."""
    apply: Callable[[str], str | None]
    """The rewritten source, or None where the rewrite does not apply."""
    summary: str
    """One line for the reply text."""
    family: str = ""
    """Rewrites of one family are alternatives (e.g. block sizes): one per path."""
    weight: float = 1.0
    """Prior odds of paying off (PIE experience: stream I/O first, pragmas last); the seeded
    draw favours heavier rewrites without excluding any."""

    @property
    def key(self) -> str:
        """What 'already applied on this path' compares: the family, else the name."""
        return self.family or self.name


# --- masking ---------------------------------------------------------------------------------
_LITERAL = re.compile(
    r'//[^\n]*|/\*.*?\*/|R"(?P<delim>[^(\s]{0,16})\(.*?\)(?P=delim)"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
    re.S)


def mask(src: str) -> str:
    """`src` with comments and the insides of string/char literals blanked (same length);
    preprocessor lines are kept (pragmas are matched on them)."""
    def blank(m: re.Match[str]) -> str:
        text = m.group(0)
        if text.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", text)
        return text[0] + re.sub(r"[^\n]", " ", text[1:-1]) + text[-1]
    return _LITERAL.sub(blank, src)


_PAIRS = {"(": ")", "[": "]", "{": "}"}


def close_of(m: str, i: int) -> int:
    """Index of the bracket closing the one at `m[i]`; -1 if unbalanced."""
    opening, closing, depth = m[i], _PAIRS[m[i]], 0
    for j in range(i, len(m)):
        if m[j] == opening:
            depth += 1
        elif m[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return -1


def skip_space(m: str, i: int) -> int:
    while i < len(m) and m[i].isspace():
        i += 1
    return i


def statement_end(m: str, i: int) -> int:
    """One past the end of the statement starting at or after `i` (a block, a
    for/while/if statement with its body and else branch, or up to its `;`); -1 if lost."""
    i = skip_space(m, i)
    if i >= len(m):
        return -1
    if m[i] == "{":
        j = close_of(m, i)
        return -1 if j < 0 else j + 1
    head = re.match(r"(for|while|if|switch)\s*\(", m[i:])
    if head:
        paren = i + head.end() - 1
        j = close_of(m, paren)
        if j < 0:
            return -1
        end = statement_end(m, j + 1)
        if head.group(1) == "if" and end > 0:
            after = skip_space(m, end)
            if re.match(r"else\b", m[after:]):
                return statement_end(m, after + 4)
        return end
    if re.match(r"do\b", m[i:]):
        body_end = statement_end(m, i + 2)
        return -1 if body_end < 0 else statement_end(m, body_end)  # the `while (...);`
    depth = 0
    for j in range(i, len(m)):
        c = m[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return -1
        elif c == ";" and depth == 0:
            return j + 1
    return -1


@dataclass
class ForLoop:
    """A `for (init; cond; inc) body` statement, as positions in the source."""

    start: int
    """Index of `for`."""
    open: int
    """Index of the header's `(`."""
    close: int
    """Index of the header's `)`."""
    body_start: int
    """First non-space character of the body."""
    end: int
    """One past the end of the body."""
    init: str
    cond: str
    inc: str

    @property
    def var(self) -> str | None:
        """The loop variable when the header is `T v = ...; v <op> ...; ++v|v++|v += ...`."""
        found = re.search(r"(\w+)\s*=", self.init)
        if not found:
            return None
        var = found.group(1)
        return var if re.match(rf"\s*{var}\s*(<=?|!=|>=?)", self.cond) else None


def for_loops(m: str, start: int = 0, stop: int | None = None) -> Iterator[ForLoop]:
    """Every well-formed `for` loop (range-for excluded) whose `for` lies in [start, stop)."""
    stop = len(m) if stop is None else stop
    for found in re.finditer(r"\bfor\s*\(", m[start:stop]):
        begin = start + found.start()
        paren = start + found.end() - 1
        close = close_of(m, paren)
        if close < 0:
            continue
        parts = split_top(m[paren + 1:close], ";")
        if len(parts) != 3:
            continue
        end = statement_end(m, close + 1)
        if end < 0:
            continue
        yield ForLoop(begin, paren, close, skip_space(m, close + 1), end, *(p.strip() for p in parts))


def split_top(text: str, sep: str, angle: bool = False) -> list[str]:
    """`text` split at `sep` characters outside brackets (and `<...>` when `angle`)."""
    opening, closing = ("([{<", ")]}>") if angle else ("([{", ")]}")
    parts, depth, last = [], 0, 0
    for j, c in enumerate(text):
        if c in opening:
            depth += 1
        elif c in closing:
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[last:j])
            last = j + 1
    parts.append(text[last:])
    return parts


def innermost(loops: list[ForLoop]) -> list[ForLoop]:
    """The loops that contain no other loop of the list."""
    return [lp for lp in loops
            if not any(o is not lp and lp.body_start <= o.start < lp.end for o in loops)]


def outermost(loops: list[ForLoop]) -> list[ForLoop]:
    """The loops that no other loop of the list contains."""
    return [lp for lp in loops if not any(o is not lp and o.start < lp.start < o.end for o in loops)]


def main_body(m: str) -> int | None:
    """Index just after the `{` opening `main`, or None."""
    found = re.search(r"\bint\s+main\s*\([^)]*\)\s*\{", m)
    return found.end() if found else None


def indent_at(src: str, i: int) -> str:
    """The indentation of the line holding position `i`."""
    line_start = src.rfind("\n", 0, i) + 1
    return re.match(r"[ \t]*", src[line_start:]).group(0)  # type: ignore[union-attr]


def add_include(src: str, header: str) -> str:
    """`src` with `#include <header>` after its last include (or at the top)."""
    if re.search(rf"#\s*include\s*<{re.escape(header)}>", src):
        return src
    found = list(re.finditer(r"^[ \t]*#\s*include[^\n]*\n", src, re.M))
    at = found[-1].end() if found else 0
    return src[:at] + f"#include <{header}>\n" + src[at:]


def after_includes(src: str) -> int:
    """Position after the includes and a `using namespace std;` that follows them."""
    at = 0
    for found in re.finditer(r"^[ \t]*#\s*include[^\n]*\n", src, re.M):
        at = found.end()
    using = re.compile(r"\s*using\s+namespace\s+std\s*;[^\n]*\n").match(src, at)
    return using.end() if using else at


def uses(m: str, name: str, start: int = 0) -> list[int]:
    """Positions of `name` as a whole identifier in the mask from `start` (members `.name`
    and `->name` excluded)."""
    out = []
    for found in re.finditer(rf"(?<![\w.]){re.escape(name)}\b", m[start:]):
        at = start + found.start()
        if m[max(0, at - 2):at] != "->":
            out.append(at)
    return out


SIDE_EFFECT_FREE = re.compile(r"^[\w\s.\[\]+\-*/%]*$")
"""An expression without calls, assignments or increments (safe to evaluate twice)."""


def pure(expr: str) -> bool:
    return bool(SIDE_EFFECT_FREE.match(expr)) and "++" not in expr and "--" not in expr and bool(expr.strip())
