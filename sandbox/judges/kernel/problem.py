"""Parsing a KernelBench problem and a candidate on the host, without executing either.

The problem module is the task (trusted); the candidate only ever sees `inputs_source`, the
problem with its `class Model` removed, so it can generate inputs but cannot import or read
the reference implementation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from maxcode.records.errors import TaskError
from maxcode.records.evaluation import Evaluation, Status

REQUIRED_FUNCTIONS = ("get_inputs", "get_init_inputs")


@dataclass(frozen=True)
class Problem:
    source: str
    """The full problem module (run only in the reference's sandbox)."""
    inputs_source: str
    """The module without `class Model`: sizes, imports, get_inputs, get_init_inputs."""


def parse_problem(source: str, name: str = "problem") -> Problem:
    """Validate a problem module's shape; raises TaskError naming what is missing."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise TaskError(
            f"{name}: syntax error at line {exc.lineno}: {exc.msg}",
            "fix the problem file; it must be a Python module",
        ) from None
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    missing = (["class Model"] if "Model" not in classes else []) + [
        f"{f}()" for f in REQUIRED_FUNCTIONS if f not in functions
    ]
    if missing:
        raise TaskError(
            f"{name}: not a KernelBench problem, missing {', '.join(missing)}",
            "a kernel task defines class Model(nn.Module), get_inputs() and get_init_inputs()",
        )
    stripped = ast.Module(
        body=[n for n in tree.body if not (isinstance(n, ast.ClassDef) and n.name == "Model")],
        type_ignores=[],
    )
    return Problem(source=source, inputs_source=ast.unparse(stripped) + "\n")


CANDIDATE_FILE = "candidate.py"
"""The candidate's file name in its sandbox, and in messages about a candidate without a path."""


def candidate_load_error(source: str, filename: str = CANDIDATE_FILE) -> str | None:
    """Why the candidate cannot be loaded (`file:line: syntax error: ...`, no ModelNew), or None."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return _syntax_message(exc, filename)
    if not any(isinstance(n, ast.ClassDef) and n.name == "ModelNew" for n in tree.body):
        return "the candidate defines no class ModelNew"
    return None


def syntax_error_verdict(source: str, filename: str = CANDIDATE_FILE) -> Evaluation | None:
    """The `compile_error` verdict of a candidate that is not valid Python, or None.

    Python's parser is the candidate's first compiler: its error is reported the way a
    compiler's is, `file:line:col: error: message` plus the offending line, so every reader
    of build logs (the summary, the rule-based critique) finds where it is.
    """
    try:
        ast.parse(source, filename=filename)
    except SyntaxError as exc:
        line, col = exc.lineno or 0, exc.offset or 0
        text = (exc.text or "").rstrip("\n")
        if not text and 0 < line <= len(source.splitlines()):
            text = source.splitlines()[line - 1]
        log = f"{filename}:{line}:{col}: error: {exc.msg} (Python SyntaxError)\n"
        if text:
            log += f"{line:5d} | {text}\n      | {' ' * max(col - 1, 0)}^\n"
        return Evaluation.failure(
            Status.COMPILE_ERROR, _syntax_message(exc, filename), compile_log=log, failing_test="load"
        )
    return None


def _syntax_message(exc: SyntaxError, filename: str) -> str:
    return f"{filename}:{exc.lineno}: syntax error: {exc.msg}"
