"""The floors of docs/architecture.md, checked on the source: no package imports one
above it, nothing below the CLI imports the CLI, and no two modules import each other
(directly or around a circle), lazy imports inside functions included."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOOR = {"records": 0, "sandbox": 1, "benchmarks": 2, "critique": 3, "reward": 3, "maxcode": 4}
# Every folder installs under `maxcode.` (setup.py): records/ is imported as maxcode.records.
BESIDE = tuple(f for f in FLOOR if f != "maxcode")
# critique and reward share floor 3 but must not import each other's caller (maxcode).
# records/ holds what crosses layers (Node, Evaluation, Usage, errors, the JSON codec and the
# run and sweep files' one reader and writer), so it imports no other package.
RUN_FILES = {"trajectory.jsonl", "results.jsonl"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def _folder(module: str) -> str | None:
    """The top folder an import name lives in: maxcode.records.run -> records, maxcode.loop ->
    maxcode; None for other projects' modules."""
    parts = module.split(".")
    if parts[0] != "maxcode":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in BESIDE else "maxcode"


def test_nothing_imports_the_folders_by_their_bare_names():
    """`records`, `sandbox`, `benchmarks` and `reward` are other projects' import names on PyPI:
    importing ours by them would load a second copy here and someone else's module elsewhere."""
    found = []
    for path in sorted(p for folder in (*FLOOR, "tests", "scripts") for p in (ROOT / folder).rglob("*.py")):
        if "suites" in path.relative_to(ROOT).parts:  # benchmark programs, not MaxCode's code
            continue
        found += [f"{path.relative_to(ROOT)}:{line} imports {module}" for line, module in _imports(path)
                  if module.split(".")[0] in BESIDE]
    for path in sorted((ROOT / "conf").rglob("*.yaml")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip().startswith("_target_:") and line.split(":", 1)[1].strip().split(".")[0] in BESIDE:
                found.append(f"{path.relative_to(ROOT)}:{n} {line.strip()}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("package", sorted(FLOOR))
def test_no_package_imports_one_above_it(package):
    floor = FLOOR[package]
    violations = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imports(path):
            top = _folder(module)
            if top in FLOOR and top != package and FLOOR[top] >= floor:
                violations.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not violations, "\n".join(violations)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if parts[0] in BESIDE:
        parts.insert(0, "maxcode")
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a `from pkg import name` counts as pkg.name
    when that is a module, else pkg)."""
    files = {_module_name(p): p for package in FLOOR for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module
                               for a in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def test_only_the_cli_imports_the_cli():
    reaching = sorted(f"{m} imports {t}" for m, ts in _graph().items() for t in ts
                      if t.startswith("maxcode.cli") and not m.startswith("maxcode.cli"))
    assert not reaching, "\n".join(reaching)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(10000)  # the walk recurses along import chains
    for v in list(graph):
        if v not in index:
            visit(v)
    return circles


def test_no_import_circles():
    # A package's __init__ re-exporting its submodules is not a circle of modules, so parent
    # packages are left out as targets.
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in _graph().items()}
    circles = _circles(graph)
    assert not circles, "\n".join(" <-> ".join(c) for c in circles)


def _subpackage(module: str) -> str:
    """The part of the design a module belongs to: maxcode.report.html -> maxcode.report,
    maxcode.sandbox.timing.wall -> maxcode.sandbox.timing; a module at a folder's top level
    (maxcode.loop, maxcode.sandbox.hardware) is a part of its own."""
    parts = module.split(".")
    depth = 3 if _folder(module) != "maxcode" else 2
    return ".".join(parts[:depth])


def test_no_circles_between_subpackages():
    """Modules may avoid a circle that their packages still make (report/ imports sweep/
    while sweep/ imports report/, each through different modules): the design has one
    direction between any two parts, lazy imports inside functions included."""
    graph: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        for target in targets:
            a, b = _subpackage(module), _subpackage(target)
            if a != b and not a.startswith(b + ".") and not b.startswith(a + "."):
                graph.setdefault(a, set()).add(b)
    circles = _circles(graph)
    assert not circles, "\n".join(" <-> ".join(c) for c in circles)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_only_the_records_package_names_the_run_files():
    """A run's or sweep's line files are parsed in one place (records/lines.py, with one
    policy for a cut line): any other module naming them is a second reader or writer."""
    found = []
    for package in sorted(FLOOR):
        if package == "records":
            continue
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            prose = _docstrings(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
                        and any(node.value == f or node.value.endswith("/" + f) for f in RUN_FILES)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}")
    assert not found, "\n".join(found)


def test_a_run_summary_is_read_as_its_record_outside_records():
    """`summary["best_speedup"]` reads a file's layout where `RunSummary` (records/summary.py)
    is its one reader: a renamed or missing field would surface far from the file."""
    found = []
    for package in sorted(FLOOR):
        if package == "records":
            continue
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                target = None
                if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                    target = node.value
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and node.func.attr == "get"):
                    target = node.func.value
                name = getattr(target, "id", None) or getattr(target, "attr", None)
                if name == "summary":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "\n".join(found)
