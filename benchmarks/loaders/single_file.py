"""A task from one file: a PIE-style `.cpp` with a tests directory, or a KernelBench `.py`.

- `.cpp`: the baseline C++17 program; test cases are `input.N.txt` / `output.N.txt` pairs
  in the tests directory (default: a `tests/` directory next to the file).
- `.py`: a KernelBench problem module (`Model`, `get_inputs`, `get_init_inputs`), checked
  by parsing, never by importing: loading a task must not run its code.

Every problem is a `TaskError` naming the file and the fix.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from maxcode.benchmarks.task import Task
from maxcode.records.errors import TaskError
from maxcode.records.testcases import TestCase
from maxcode.sandbox.judges.cpp.source import check_source

CPP_SUFFIXES = (".cpp", ".cc", ".cxx", ".c++")
KERNEL_NAMES = ("Model", "get_inputs", "get_init_inputs")
_CASE = re.compile(r"(input|output)\.(\d+)\.txt")


def load_task(path: str | Path, tests: str | Path | None = None) -> Task:
    """The task in `path`, by suffix: C++ (with `tests`) or a KernelBench problem."""
    path = Path(path)
    if not path.exists():
        raise TaskError(f"task file {path} does not exist", "check the path")
    if not path.is_file():
        raise TaskError(f"{path} is not a file", "pass a .cpp program or a KernelBench .py file")
    if path.suffix.lower() in CPP_SUFFIXES:
        return load_cpp_task(path, tests)
    if path.suffix == ".py":
        if tests is not None:
            raise TaskError(f"{path} is a kernel task; it takes no tests directory", "drop --tests")
        return load_kernel_task(path)
    raise TaskError(
        f"{path}: unknown task format {path.suffix or '(no suffix)'}",
        "pass a .cpp program (with a tests directory) or a KernelBench .py problem",
    )


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TaskError(f"{what} {path} is not UTF-8 text", "pass a source file") from exc
    except OSError as exc:
        raise TaskError(f"cannot read {what} {path}: {exc.strerror}", "check the path and permissions") from exc


def load_tests(tests_dir: str | Path) -> list[TestCase]:
    """The `input.N.txt` / `output.N.txt` pairs of a directory, in numeric order of N."""
    tests_dir = Path(tests_dir)
    if not tests_dir.exists():
        raise TaskError(f"tests directory {tests_dir} does not exist", "pass --tests DIR with input.N.txt/output.N.txt")
    if not tests_dir.is_dir():
        raise TaskError(f"{tests_dir} is not a directory", "pass --tests DIR with input.N.txt/output.N.txt")
    found: dict[str, dict[int, Path]] = {"input": {}, "output": {}}
    for entry in tests_dir.iterdir():
        m = _CASE.fullmatch(entry.name)
        if m and entry.is_file():
            found[m.group(1)][int(m.group(2))] = entry
    inputs, outputs = found["input"], found["output"]
    if not inputs and not outputs:
        raise TaskError(
            f"tests directory {tests_dir} has no test cases",
            "add input.N.txt and output.N.txt pairs (N = 0, 1, ...)",
        )
    for n in sorted(set(inputs) - set(outputs)):
        raise TaskError(f"{inputs[n]} has no expected output {tests_dir / f'output.{n}.txt'}",
                        "add the expected output or remove the input")
    for n in sorted(set(outputs) - set(inputs)):
        raise TaskError(f"{outputs[n]} has no input {tests_dir / f'input.{n}.txt'}",
                        "add the input or remove the expected output")
    return [
        TestCase(name=str(n), input_path=str(inputs[n].resolve()), output_path=str(outputs[n].resolve()))
        for n in sorted(inputs)
    ]


def load_cpp_task(path: str | Path, tests: str | Path | None = None) -> Task:
    """A PIE-style task: the baseline program and its tests (default `<dir>/tests`)."""
    path = Path(path)
    source = _read(path, "task file")
    reason = check_source(source)
    if reason is not None:
        raise TaskError(f"{path} is not a usable C++ baseline: {reason}", "pass a C++17 program that reads stdin")
    if tests is None:
        tests = path.parent / "tests"
        if not tests.is_dir():
            raise TaskError(f"no tests directory for {path}", f"pass --tests DIR (looked for {tests})")
    cases = load_tests(tests)
    return Task(
        id=f"{path.resolve().parent.name}/{path.stem}",
        family="cpp",
        language="cpp",
        baseline_source=source,
        source_path=str(path.resolve()),
        tests=cases,
        metadata={"tests_dir": str(Path(tests).resolve())},
    )


def check_kernel_source(source: str, where: str) -> None:
    """Raise a TaskError unless `source` parses and defines Model, get_inputs, get_init_inputs."""
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as exc:
        raise TaskError(f"{where}:{exc.lineno}: Python syntax error: {exc.msg}", "fix the problem file") from exc
    defined = {
        node.name for node in tree.body
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    }
    missing = [name for name in KERNEL_NAMES if name not in defined]
    if missing:
        raise TaskError(
            f"{where} is not a KernelBench problem: it does not define {', '.join(missing)}",
            "define class Model(nn.Module), get_inputs() and get_init_inputs() at module level",
        )


def load_kernel_task(path: str | Path) -> Task:
    """A KernelBench problem file (family `kernel`)."""
    path = Path(path)
    source = _read(path, "task file")
    check_kernel_source(source, str(path))
    return Task(
        id=path.stem,
        family="kernel",
        language="python",
        baseline_source=source,
        source_path=str(path.resolve()),
    )
