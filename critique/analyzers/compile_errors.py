"""Compiler diagnostics (g++/gcc, nvcc, and either wrapped in ninja/load_inline logs) -> findings.

The raw log of a failed build is long and repetitive (one typo cascades into dozens of
errors, ninja prints the whole command line first); the proposer needs the first few
distinct errors, where they are, and the offending line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from maxcode.records.diagnosis import Finding

# g++/gcc/clang: `path:line:col: error: message` (col optional; `fatal error` included).
_GCC = re.compile(
    r"^(?P<file>[^\s:][^:\n]*?):(?P<line>\d+):(?:(?P<col>\d+):)?\s*(?P<kind>fatal error|error):\s*(?P<msg>.+)$"
)
# nvcc (EDG front end): `path(line): error: message`.
_NVCC = re.compile(r"^(?P<file>[^\s(][^(\n]*)\((?P<line>\d+)\):\s*(?P<kind>error):\s*(?P<msg>.+)$")
# The GNU linker: `file.cpp:(.text+0x1e): undefined reference to `foo()'`.
_LINK = re.compile(
    r"^(?P<file>[^\s:][^:\n]*):\(\.text[^)]*\):\s*(?P<msg>undefined reference to .+)$"
)
# gcc's echo of the source line under a diagnostic: `   12 |   foo();`.
_GCC_EXCERPT = re.compile(r"^\s*(?P<line>\d+)\s\|\s?(?P<code>.*)$")
# gcc's "expected ';' before 'for'": the statement that lacks the ';' is the one before.
_MISSING_BEFORE = re.compile(r"expected .*[;,].* before")
# gcc's context line: `main.cpp: In function 'int main()':`.
_CONTEXT = re.compile(r"^[^:\n]+:\s+In (?:member )?function\s+(?P<fn>.+?):?$")

MAX_ERRORS = 3
MAX_CODE_CHARS = 160


@dataclass
class CompileError:
    """One distinct compiler (or linker) error."""

    file: str
    line: int | None
    column: int | None
    message: str
    source_line: str
    """The offending line as the compiler echoed it, or read from the candidate."""
    function: str = ""
    """Enclosing function named by gcc's `In function ...` line, if any."""


def parse_compile_log(log: str, candidate_source: str = "") -> tuple[list[CompileError], int]:
    """The first `MAX_ERRORS` distinct errors of `log`, and how many distinct ones there were.

    The offending line comes from the compiler's own excerpt (right even when load_inline
    prepended headers to the source) or, failing that, from `candidate_source` by number.
    """
    lines = log.splitlines()
    candidate_lines = candidate_source.splitlines()
    seen: set[tuple[int | None, str]] = set()
    errors: list[CompileError] = []
    function = ""
    for i, raw in enumerate(lines):
        text = raw.rstrip()
        ctx = _CONTEXT.match(text)
        if ctx:
            function = ctx.group("fn").strip("'‘’")
            continue
        match = _GCC.match(text) or _NVCC.match(text) or _LINK.match(text)
        if not match:
            continue
        groups = match.groupdict()
        line_no = int(groups["line"]) if groups.get("line") else None
        message = groups["msg"].strip()
        key = (line_no, message)
        if key in seen:
            continue
        seen.add(key)
        code = _excerpt_after(lines, i, line_no)
        if not code and line_no and 0 < line_no <= len(candidate_lines):
            code = candidate_lines[line_no - 1].strip()
        errors.append(
            CompileError(
                file=groups["file"].strip(),
                line=line_no,
                column=int(groups["col"]) if groups.get("col") else None,
                message=message,
                source_line=code[:MAX_CODE_CHARS],
                function=function,
            )
        )
    return errors[:MAX_ERRORS], len(errors)


def _excerpt_after(lines: list[str], index: int, line_no: int | None) -> str:
    """The source line gcc/nvcc printed right below diagnostic `index`, if it did."""
    for follow in lines[index + 1 : index + 3]:
        excerpt = _GCC_EXCERPT.match(follow)
        if excerpt and (line_no is None or int(excerpt.group("line")) == line_no):
            return excerpt.group("code").strip()
    # nvcc prints the bare source line next, then a caret line.
    if index + 2 < len(lines) and lines[index + 2].strip() == "^":
        return lines[index + 1].strip()
    return ""


def analyze_compile_log(log: str, candidate_source: str = "") -> list[Finding]:
    """Findings for a failed build: one per distinct error (first few), plus a count."""
    errors, total = parse_compile_log(log, candidate_source)
    if not errors:
        tail = "\n".join(log.strip().splitlines()[-5:])
        return [
            Finding(
                analyzer="compile",
                summary=f"The build failed but no compiler error could be parsed; log tail: {tail[:400]}",
                data={"errors": [], "total_errors": 0},
            )
        ]
    findings = []
    for err in errors:
        where = (
            Path(err.file).name
            + (f":{err.line}" if err.line else "")
            + (f":{err.column}" if err.column else "")
        )
        inside = f" in {err.function}" if err.function else ""
        code = f" — `{err.source_line}`" if err.source_line else ""
        previous = _previous_statement(candidate_source, err)
        if previous:
            code += f"; the previous statement `{previous}` is probably the one missing it"
        findings.append(
            Finding(
                analyzer="compile",
                summary=f"Compile error at {where}{inside}: {err.message}{code}",
                data={
                    "file": err.file,
                    "line": err.line,
                    "column": err.column,
                    "message": err.message,
                    "source_line": err.source_line,
                    "function": err.function,
                    "total_errors": total,
                },
            )
        )
    if total > len(errors):
        findings.append(
            Finding(
                analyzer="compile",
                summary=f"{total - len(errors)} more distinct error(s) follow; fix the first one first, later ones are often its consequences.",
                data={"total_errors": total},
            )
        )
    return findings


def _previous_statement(candidate_source: str, err: CompileError) -> str:
    """For "expected ';' before X" at the start of a line: the last non-blank line before it."""
    if not err.line or not _MISSING_BEFORE.search(err.message):
        return ""
    lines = candidate_source.splitlines()
    if err.line > len(lines) or err.column is None or lines[err.line - 1][: err.column - 1].strip():
        return ""  # X is not the first token of its line: the error is on this line
    for k in range(err.line - 2, -1, -1):
        if lines[k].strip():
            return lines[k].strip()[:MAX_CODE_CHARS]
    return ""
