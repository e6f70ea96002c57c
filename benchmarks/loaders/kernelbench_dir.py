"""Loader for KernelBench-format problem trees: a real KernelBench checkout or a built-in suite.

Layout read (KernelBench releases v0, v0.1 and main share it):

    <repo>/KernelBench/level{1..4}/{id}_{Name}.py

`root` may point at the repository, at its `KernelBench/` folder, or directly at a tree
whose level folders sit at the top (the built-in `benchmarks/suites/kernelbench_cpu/`).
A problem file is one module with `class Model(nn.Module)` (with `forward`), module-level
size constants, `get_inputs()` and `get_init_inputs()`.

Indexing comes before loading: `index_kernelbench_dir` lists the level folder and parses
ids and names from file names only; `load_kernelbench_dir` then reads each selected file
and checks its structure with `ast` (nothing is imported or compiled). Traversal is sorted
numerically by id. A malformed file or name is a `TaskError` naming the file and what is
missing; nothing is skipped silently (only `__init__.py` is ignored, on purpose).

Problem filters:
- `ids`: explicit problem ids, e.g. `[1, 19, 23]`; an id with no file is an error.
- `subset`: KernelBench's representative subset, given as ids. KernelBench ships it in its
  repository as the Python lists `level{L}_representative_subset_problem_ids` in
  `src/dataset.py` (`src/kernelbench/dataset.py` on main). We cannot fetch it at run time,
  so copy those lists into config (`suite.subset=[1,3,6,...]`) or into a YAML file given as
  `suite.subset_file=PATH` (read by `read_subset_file`): either a bare list of ids, or a
  mapping `level1: [...]`, `level2: [...]`.
When both are given, a problem must be in both.

Task records: `Task.id` is `{suite}/level{L}/{id}_{Name}` (`kernelbench/level1/19_ReLU`),
the tolerance defaults to KernelBench's released atol = rtol = 1e-2, and `metadata` holds
`suite`, `level`, `problem_id`, `name`, `file` (relative to the level root), `content_hash`
(sha256 of the token stream: whitespace and comments do not change it), `constants` (the
module-level int/float/bool size constants), and, for trees with a suite index, the
fields below.

Built-in trees carry `suite.yaml` at the top (next to the level folders) and candidate
programs in `variants/level{L}/{id}_{Name}/{label}.py`. The index fields (SUITE_INDEX_FIELDS)
are: `name` (suite name, the Task id prefix), `version` (int, bumped on breaking changes),
`changelog` (list of "version: what changed" lines), `tolerance` ({atol, rtol}),
`default_variants` and `problems`. Each problem entry has `key` ("level1/1_ReLU"),
`requires_custom_kernel` (bool: a candidate must run its own kernel for this problem),
`forbidden_ops` (dotted names a candidate's `forward` must not call: functions as
`torch.X` / `torch.nn.functional.X`, tensor methods as `Tensor.X`, and module classes as
`torch.nn.X`, meaning: forward must not call a submodule of that class, though `__init__`
may build one to hold parameters; aliases such as `F.relu` are the judge's to resolve) and optional
`variants` overriding `default_variants` per label. A variant spec has `device`
(`cpu`|`cuda`), `expect_correct` (bool) and `expect_speed` (one of
`maxcode.benchmarks.expectations.SPEEDS`, which defines them: `faster`, `slower`, `marginal`, `same`,
`parity`; absent for incorrect variants). These land in Task.metadata as `requires_custom_kernel`,
`forbidden_ops`, `suite_version` and `variants` ({label: spec + `path`}).
"""

from __future__ import annotations

import ast
import hashlib
import io
import logging
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from maxcode.benchmarks.expectations import SPEEDS
from maxcode.benchmarks.loaders.index_checks import check_fields, check_variant_specs
from maxcode.benchmarks.task import Task, Tolerance
from maxcode.records.errors import TaskError

log = logging.getLogger(__name__)

LEVELS = (1, 2, 3, 4)
"""KernelBench's level folders: single ops, fusions, architectures, HuggingFace models."""
DEFAULT_TOLERANCE = Tolerance(atol=1e-2, rtol=1e-2)
"""KernelBench's released correctness check: torch.allclose with atol = rtol = 1e-2."""
DEFAULT_SUITE = "kernelbench"
"""Task id prefix for trees without a suite index (a real KernelBench checkout)."""
PROBLEM_FILE = re.compile(r"^(?P<id>\d+)_(?P<name>\w+)\.py$")
"""`{id}_{Name}.py`; KernelBench names may contain further underscores and digits."""
IGNORED_FILES = frozenset({"__init__.py"})
"""Files in a level folder that are not problems (some forks make the folders packages)."""
REQUIRED_FUNCTIONS = ("get_inputs", "get_init_inputs")
SUITE_INDEX = "suite.yaml"
SUITE_INDEX_FIELDS = {
    "name": "suite name, used as the Task id prefix",
    "version": "int, bumped on breaking changes",
    "changelog": "list of 'version: change' lines",
    "tolerance": "{atol, rtol} for every problem",
    "default_variants": "{label: variant spec} shared by every problem",
    "problems": "list of problem entries",
}
PROBLEM_FIELDS = {
    "key": "'level{L}/{id}_{Name}', matching a problem file",
    "requires_custom_kernel": "bool: the candidate must run its own kernel",
    "forbidden_ops": "dotted op names the candidate's forward must not call",
    "variants": "{label: variant spec} overriding default_variants",
}
VARIANT_FIELDS = {
    "device": "cpu | cuda",
    "expect_correct": "bool: the verdict a sound judge gives",
    "expect_speed": "one of maxcode.benchmarks.expectations.SPEEDS (correct variants only)",
}
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class ProblemEntry:
    """One problem file found by indexing: parsed from its name, not yet read."""

    level: int
    problem_id: int
    name: str
    path: Path

    @property
    def key(self) -> str:
        return f"level{self.level}/{self.problem_id}_{self.name}"


def resolve_root(root: str | Path) -> Path:
    """The folder that holds `level{L}/`: `root/KernelBench` for a repository, else `root`."""
    base = Path(root).expanduser()
    if not base.is_dir():
        raise TaskError(
            f"KernelBench root {base} is not a directory",
            "point suite.root at a KernelBench checkout, its KernelBench/ folder, or a suite tree",
        )
    nested = base / "KernelBench"
    if nested.is_dir() and any((nested / f"level{lv}").is_dir() for lv in LEVELS):
        return nested
    if any((base / f"level{lv}").is_dir() for lv in LEVELS):
        return base
    raise TaskError(
        f"no level1..level4 folder under {base} or {nested}",
        "point suite.root at the KernelBench repository or its KernelBench/ folder",
    )


def index_kernelbench_dir(
    root: str | Path,
    level: int,
    ids: Sequence[int] | None = None,
    subset: Sequence[int] | None = None,
) -> list[ProblemEntry]:
    """List the problems of one level from file names only, filtered and sorted by id."""
    if level not in LEVELS:
        raise TaskError(f"KernelBench level {level!r} does not exist", f"use one of {LEVELS}")
    level_dir = resolve_root(root) / f"level{level}"
    if not level_dir.is_dir():
        raise TaskError(
            f"{level_dir} does not exist", f"this checkout has no level {level}; pick another level"
        )
    entries: dict[int, ProblemEntry] = {}
    for path in sorted(level_dir.iterdir()):
        if path.suffix != ".py" or path.name in IGNORED_FILES or not path.is_file():
            continue
        match = PROBLEM_FILE.match(path.name)
        if match is None:
            raise TaskError(
                f"{path}: file name is not '{{id}}_{{Name}}.py'",
                "rename it like '19_ReLU.py' or move it out of the level folder",
            )
        entry = ProblemEntry(level, int(match["id"]), match["name"], path)
        if entry.problem_id in entries:
            raise TaskError(
                f"{path}: problem id {entry.problem_id} also used by {entries[entry.problem_id].path.name}",
                "give every problem file in a level a unique id",
            )
        entries[entry.problem_id] = entry
    if not entries:
        raise TaskError(f"{level_dir} holds no problem files", "check suite.root and suite.level")
    selected = sorted(entries)
    for label, wanted in (("ids", ids), ("subset", subset)):
        if wanted is None:
            continue
        missing = sorted(set(wanted) - set(entries))
        if missing:
            raise TaskError(
                f"{label} {missing} not found in {level_dir} (ids present: {_ranges(sorted(entries))})",
                f"fix suite.{label}, or check that suite.level={level} is the level they belong to",
            )
        selected = [i for i in selected if i in set(wanted)]
    return [entries[i] for i in selected]


def load_kernelbench_dir(
    root: str | Path,
    level: int,
    ids: Sequence[int] | None = None,
    subset: Sequence[int] | None = None,
    tolerance: Tolerance | None = None,
    subset_file: str | Path | None = None,
) -> list[Task]:
    """Index, then read and check each selected problem; returns Tasks sorted by id.

    `subset_file` is the file form of `subset` (see `read_subset_file`); give one or neither.
    """
    if subset_file is not None:
        if subset is not None:
            raise TaskError(
                "both suite.subset and suite.subset_file are set", "keep only one of them"
            )
        subset = read_subset_file(subset_file, level)
    base = resolve_root(root)
    index = read_suite_index(base)
    entries = index_kernelbench_dir(base, level, ids, subset)
    suite = index["name"] if index else DEFAULT_SUITE
    if tolerance is None:
        tolerance = _tolerance_of(index, base) if index else DEFAULT_TOLERANCE
    problems = {p["key"]: p for p in index["problems"]} if index else {}
    if index:
        _check_index_matches_files(index, base, level)
    tasks = []
    for entry in entries:
        source = entry.path.read_text(encoding="utf-8")
        tree = _check_problem_source(entry.path, source)
        metadata: dict[str, Any] = {
            "suite": suite,
            "level": entry.level,
            "problem_id": entry.problem_id,
            "name": entry.name,
            "file": entry.path.relative_to(base).as_posix(),
            "content_hash": content_hash(source),
            "constants": _module_constants(tree),
        }
        if index:
            metadata.update(_suite_metadata(index, problems[entry.key], base, entry))
        tasks.append(
            Task(
                id=f"{suite}/{entry.key}",
                family="kernel",
                language="python",
                baseline_source=source,
                source_path=str(entry.path),
                tolerance=tolerance,
                metadata=metadata,
            )
        )
    log.info("loaded %d %s level-%d problems from %s", len(tasks), suite, level, base)
    return tasks


def read_subset_file(path: str | Path, level: int) -> list[int]:
    """Problem ids from a YAML subset file: a list of ids, or `{level1: [...], ...}`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaskError(
            f"cannot read subset file {path}: {exc.strerror}", "check suite.subset_file"
        ) from exc
    except yaml.YAMLError as exc:
        raise TaskError(f"{path}: not valid YAML ({exc})", "write the ids as a YAML list") from exc
    if isinstance(data, dict):
        key = f"level{level}"
        if key not in data:
            raise TaskError(
                f"{path}: no '{key}' entry (has {sorted(data)})", f"add '{key}: [ids]' to the file"
            )
        data = data[key]
    if not isinstance(data, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in data
    ):
        raise TaskError(
            f"{path}: subset must be a list of integer problem ids",
            "write e.g. 'level1: [1, 3, 6]'",
        )
    return data


def content_hash(source: str) -> str:
    """sha256 of the Python token stream: changes to whitespace and comments keep the hash."""
    try:
        tokens = [
            tok.string
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type
            not in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            )
        ]
    except (tokenize.TokenError, SyntaxError):
        # Untokenizable text still gets a stable identity; the AST check reports the error.
        tokens = source.split()
    return hashlib.sha256("\x00".join(tokens).encode("utf-8")).hexdigest()


def read_suite_index(base: Path) -> dict[str, Any] | None:
    """The validated `suite.yaml` of a built-in tree, or None for a plain KernelBench tree."""
    path = base / SUITE_INDEX
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaskError(f"{path}: not valid YAML ({exc})", "fix the suite index") from exc
    if not isinstance(data, dict):
        raise TaskError(
            f"{path}: expected a mapping at the top", f"use the fields {sorted(SUITE_INDEX_FIELDS)}"
        )
    check_fields(
        path, "top level", data, SUITE_INDEX_FIELDS, required=("name", "version", "problems")
    )
    if not isinstance(data["name"], str) or not isinstance(data["version"], int):
        raise TaskError(
            f"{path}: 'name' must be a string and 'version' an int", "fix the suite index"
        )
    if not isinstance(data["problems"], list):
        raise TaskError(f"{path}: 'problems' must be a list", "fix the suite index")
    defaults = data.get("default_variants") or {}
    _check_variants(path, "default_variants", defaults)
    seen = set()
    for i, problem in enumerate(data["problems"]):
        where = f"problems[{i}]"
        if not isinstance(problem, dict):
            raise TaskError(
                f"{path}: {where} must be a mapping", f"use the fields {sorted(PROBLEM_FIELDS)}"
            )
        check_fields(
            path,
            where,
            problem,
            PROBLEM_FIELDS,
            required=("key", "requires_custom_kernel", "forbidden_ops"),
        )
        key = problem["key"]
        if not isinstance(key, str) or key in seen:
            raise TaskError(
                f"{path}: {where}.key {key!r} is not a string or is repeated",
                "list each problem once",
            )
        seen.add(key)
        if not isinstance(problem["requires_custom_kernel"], bool):
            raise TaskError(
                f"{path}: {key}.requires_custom_kernel must be true or false", "fix the suite index"
            )
        ops = problem["forbidden_ops"]
        if not isinstance(ops, list) or not all(isinstance(o, str) and o for o in ops):
            raise TaskError(
                f"{path}: {key}.forbidden_ops must be a list of dotted names", "fix the suite index"
            )
        _check_variants(path, f"{key}.variants", problem.get("variants") or {})
    return data


def _check_variants(path: Path, where: str, variants: Any) -> None:
    check_variant_specs(path, where, variants, VARIANT_FIELDS, ("device", "expect_correct"), SPEEDS)
    for label, spec in variants.items():
        if spec["device"] not in DEVICES:
            raise TaskError(f"{path}: {where}.{label}.device must be one of {DEVICES}", "fix it")


def _tolerance_of(index: dict[str, Any], base: Path) -> Tolerance:
    tol = index.get("tolerance")
    if tol is None:
        return DEFAULT_TOLERANCE
    if not isinstance(tol, dict) or set(tol) != {"atol", "rtol"}:
        raise TaskError(
            f"{base / SUITE_INDEX}: tolerance must be {{atol, rtol}}", "fix the suite index"
        )
    return Tolerance(atol=float(tol["atol"]), rtol=float(tol["rtol"]))


def _check_index_matches_files(index: dict[str, Any], base: Path, level: int) -> None:
    """Every problem file of the level is listed in suite.yaml, and every listed one exists."""
    listed = {p["key"] for p in index["problems"] if p["key"].startswith(f"level{level}/")}
    present = {e.key for e in index_kernelbench_dir(base, level)}
    if listed - present:
        raise TaskError(
            f"{base / SUITE_INDEX} lists {sorted(listed - present)} but no such file exists",
            "add the problem files or remove the entries",
        )
    if present - listed:
        raise TaskError(
            f"{base / SUITE_INDEX} does not list {sorted(present - listed)}",
            "add a problems entry (requires_custom_kernel, forbidden_ops) for each problem file",
        )


def _suite_metadata(
    index: dict[str, Any], problem: dict[str, Any], base: Path, entry: ProblemEntry
) -> dict[str, Any]:
    variants = {**(index.get("default_variants") or {}), **(problem.get("variants") or {})}
    vdir = base / "variants" / entry.key
    resolved = {}
    for label, spec in sorted(variants.items()):
        path = vdir / f"{label}.py"
        if not path.is_file():
            raise TaskError(
                f"{path} is missing (variant '{label}' of {entry.key})",
                "add the file or drop the variant",
            )
        _check_candidate_source(path)
        resolved[label] = {**spec, "path": str(path)}
    if vdir.is_dir():
        extra = sorted(p.name for p in vdir.glob("*.py") if p.stem not in variants)
        if extra:
            raise TaskError(
                f"{vdir}: {extra} not declared in {SUITE_INDEX}",
                "declare the variants or remove the files",
            )
    return {
        "suite_version": index["version"],
        "requires_custom_kernel": problem["requires_custom_kernel"],
        "forbidden_ops": list(problem["forbidden_ops"]),
        "variants": resolved,
    }


def _parse(path: Path, source: str) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise TaskError(
            f"{path}:{exc.lineno}: syntax error: {exc.msg}", "fix the Python syntax"
        ) from exc


def _check_problem_source(path: Path, source: str) -> ast.Module:
    """A problem module defines `class Model` with `forward`, `get_inputs`, `get_init_inputs`."""
    tree = _parse(path, source)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    missing = [f"function {f}()" for f in REQUIRED_FUNCTIONS if f not in functions]
    if "Model" not in classes:
        missing.insert(0, "class Model")
    elif not any(
        isinstance(n, ast.FunctionDef) and n.name == "forward" for n in classes["Model"].body
    ):
        missing.insert(0, "Model.forward")
    if missing:
        raise TaskError(
            f"{path}: missing {', '.join(missing)} at module level",
            "a KernelBench problem defines class Model(nn.Module) with forward, get_inputs() and get_init_inputs()",
        )
    return tree


def _check_candidate_source(path: Path) -> None:
    tree = _parse(path, path.read_text(encoding="utf-8"))
    if not any(isinstance(n, ast.ClassDef) and n.name == "ModelNew" for n in tree.body):
        raise TaskError(
            f"{path}: no module-level class ModelNew",
            "a candidate defines class ModelNew(nn.Module)",
        )


def _module_constants(tree: ast.Module) -> dict[str, int | float | bool]:
    """Module-level `NAME = <number>` assignments: the problem's sizes, for listings."""
    constants: dict[str, int | float | bool] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, (int, float, bool))
        ):
            constants[node.targets[0].id] = node.value.value
    return constants


def _ranges(ids: list[int]) -> str:
    """`[1, 2, 3, 7]` -> `1-3, 7`, so an error message stays short for 100 problems."""
    parts, start = [], None
    for i, cur in enumerate(ids):
        if start is None:
            start = cur
        if i + 1 == len(ids) or ids[i + 1] != cur + 1:
            parts.append(f"{start}-{cur}" if cur != start else f"{start}")
            start = None
    return ", ".join(parts)
