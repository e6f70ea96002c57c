"""Cheap checks that a candidate is a C++ program worth compiling.

A candidate that fails here is `rejected` without touching a compiler: it is empty, too
large, binary, or plainly another language. Anything subtler is left to the compiler,
which reports `compile_error`.
"""

from __future__ import annotations

import re

MAX_SOURCE_BYTES = 256 * 1024
"""Rationale: PIE programs are a few KB; a larger candidate is a generated table or junk
that would slow every compile and bloat the trajectory."""

# Rationale: every PIE program defines main (`int main(`, `signed main(`, `auto main() ->`).
_MAIN = re.compile(r"\bmain\s*\(")
# Rationale: a C++ function body needs braces (or the `<%` digraph).
_BRACE = re.compile(r"\{|<%")
# Rationale: a Python definition line with no preprocessor include is the usual LLM slip
# (answering a cpp task in Python); it would otherwise fail to compile with a long log.
_PY_DEF = re.compile(r"^\s*(def \w+\(.*\)\s*(->[^:]*)?|class \w+(\(.*\))?)\s*:\s*$", re.MULTILINE)
_INCLUDE = re.compile(r"^\s*#\s*include\b", re.MULTILINE)


def check_source(source: str, max_bytes: int = MAX_SOURCE_BYTES) -> str | None:
    """Why `source` is not a C++ program worth compiling, or None when it may be one."""
    if not source.strip():
        return "the candidate is empty"
    size = len(source.encode("utf-8", errors="replace"))
    if size > max_bytes:
        return f"the candidate is {size} bytes, over the {max_bytes}-byte limit"
    if "\x00" in source:
        return "the candidate contains NUL bytes (binary, not source)"
    if _PY_DEF.search(source) and not _INCLUDE.search(source):
        return "the candidate looks like Python, not C++"
    if not _MAIN.search(source):
        return "the candidate has no main function"
    if not _BRACE.search(source):
        return "the candidate has no function body (no braces), so it is not C++"
    return None
