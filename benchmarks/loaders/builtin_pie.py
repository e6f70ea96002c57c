"""Loader of the built-in PIE-style suite (`benchmarks/suites/pie_mini/`).

Layout (PIE's test layout, one folder per problem):

    <root>/suite.yaml                  name, version, changelog, description, variants, problems
    <root>/<problem_id>/problem.md     statement
    <root>/<problem_id>/slow.cpp       the baseline task
    <root>/<problem_id>/reference.cpp  solution that generated the expected outputs
    <root>/<problem_id>/gen.py         seeded generator of the inputs (see make_tests.py)
    <root>/<problem_id>/tests/input.<i>.txt, output.<i>.txt
    <root>/<problem_id>/variants/<label>.cpp   one per label declared in suite.yaml

Indexing comes before loading: `index_pie_mini` reads `suite.yaml` and lists folders and
file sizes, and never opens a program; `load_pie_mini` then reads the selected baselines.
Traversal is sorted. Any missing file, unknown field or problem folder not declared in
the index is a `TaskError` naming the file and the field: nothing is skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from maxcode.benchmarks.hashing import cpp_content_hash
from maxcode.benchmarks.loaders.index_checks import check_fields, check_variant_specs
from maxcode.benchmarks.loaders.single_file import load_tests
from maxcode.benchmarks.suite import Suite, did_you_mean
from maxcode.benchmarks.task import Task
from maxcode.records.errors import TaskError

log = logging.getLogger(__name__)

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "suites" / "pie_mini"
INDEX_FILE = "suite.yaml"
INDEX_FIELDS = {
    "name": "suite name, the task id prefix",
    "version": "int, bumped on breaking changes",
    "changelog": "list of 'version: change' lines",
    "description": "what the suite holds",
    "variants": "{label: {expect_correct, expect_speed}} shared by every problem",
    "problems": "list of {id, title, slow_because}",
}
PROBLEM_FIELDS = {
    "id": "folder name",
    "title": "short title",
    "slow_because": "what makes slow.cpp slow",
}
VARIANT_FIELDS = {
    "expect_correct": "bool",
    "expect_speed": "faster | marginal | slower (correct variants)",
}
SPEEDS = ("faster", "marginal", "slower")
PROBLEM_FILES = ("problem.md", "slow.cpp", "reference.cpp", "gen.py")
_CASE = re.compile(r"input\.(\d+)\.txt")


@dataclass(frozen=True)
class ProblemEntry:
    """One problem found by indexing; sizes come from the file system, no source is read."""

    problem_id: str
    title: str
    slow_because: str
    path: Path
    test_names: tuple[str, ...]
    input_bytes: tuple[int, ...]
    """Size of each test input, in the order of `test_names`."""


@dataclass(frozen=True)
class PieMiniIndex:
    name: str
    version: int
    changelog: tuple[str, ...]
    description: str
    variants: dict[str, dict[str, Any]]
    problems: tuple[ProblemEntry, ...]
    root: Path


def index_pie_mini(root: str | Path | None = None) -> PieMiniIndex:
    """Read and validate `suite.yaml` and check every declared problem's files exist."""
    base = Path(root).expanduser() if root is not None else DEFAULT_ROOT
    path = base / INDEX_FILE
    data = _read_yaml(path)
    check_fields(path, "top level", data, INDEX_FIELDS, INDEX_FIELDS)
    if not isinstance(data["name"], str) or not data["name"]:
        raise TaskError(f"{path}: field 'name' must be a non-empty string", "fix the suite index")
    if not isinstance(data["version"], int) or isinstance(data["version"], bool):
        raise TaskError(f"{path}: field 'version' must be an integer", "fix the suite index")
    if not isinstance(data["changelog"], list) or not all(
        isinstance(c, str) for c in data["changelog"]
    ):
        raise TaskError(
            f"{path}: field 'changelog' must be a list of strings", "fix the suite index"
        )
    variants = check_variant_specs(
        path, "variants", data["variants"], VARIANT_FIELDS, ("expect_correct",), SPEEDS
    )
    if not isinstance(data["problems"], list) or not data["problems"]:
        raise TaskError(f"{path}: field 'problems' must be a non-empty list", "fix the suite index")
    entries = []
    for i, problem in enumerate(data["problems"]):
        where = f"problems[{i}]"
        if not isinstance(problem, dict):
            raise TaskError(
                f"{path}: {where} must be a mapping", f"use the fields {sorted(PROBLEM_FIELDS)}"
            )
        check_fields(path, where, problem, PROBLEM_FIELDS, PROBLEM_FIELDS)
        entries.append(_index_problem(base, path, where, problem, variants))
    ids = [e.problem_id for e in entries]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise TaskError(f"{path}: problems list {dup} more than once", "list each problem once")
    undeclared = sorted(
        p.name
        for p in base.iterdir()
        if p.is_dir() and (p / "slow.cpp").exists() and p.name not in ids
    )
    if undeclared:
        raise TaskError(
            f"{path}: problem folders {undeclared} are not listed in 'problems'",
            "add them to the index",
        )
    return PieMiniIndex(
        name=data["name"],
        version=data["version"],
        changelog=tuple(data["changelog"]),
        description=" ".join(str(data["description"]).split()),
        variants=variants,
        problems=tuple(sorted(entries, key=lambda e: e.problem_id)),
        root=base,
    )


def load_pie_mini(root: str | Path | None = None, ids: Sequence[str] | None = None) -> Suite:
    """The built-in suite as Tasks (one per problem, baseline `slow.cpp`), filtered by `ids`."""
    index = index_pie_mini(root)
    entries = list(index.problems)
    if ids is not None:
        known = {e.problem_id for e in entries}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise TaskError(
                f"{index.name} has no problem {unknown[0]!r}{did_you_mean(unknown[0], known)}",
                f"suite.ids takes problem ids: {', '.join(sorted(known))}",
            )
        entries = [e for e in entries if e.problem_id in set(ids)]
    tasks = [_load_problem(index, entry) for entry in entries]
    log.info("loaded %d %s problems from %s", len(tasks), index.name, index.root)
    return Suite(
        name=index.name,
        version=str(index.version),
        tasks=tasks,
        description=index.description,
        changelog=list(index.changelog),
        source=str(index.root),
    )


def _load_problem(index: PieMiniIndex, entry: ProblemEntry) -> Task:
    slow = entry.path / "slow.cpp"
    source = slow.read_text(encoding="utf-8")
    tests = load_tests(entry.path / "tests")
    variants = {
        label: {"device": "cpu", **spec, "path": str(entry.path / "variants" / f"{label}.cpp")}
        for label, spec in sorted(index.variants.items())
    }
    return Task(
        id=f"{index.name}/{entry.problem_id}",
        family="cpp",
        language="cpp",
        baseline_source=source,
        source_path=str(slow),
        tests=tests,
        metadata={
            "suite": index.name,
            "suite_version": index.version,
            "problem_id": entry.problem_id,
            "title": entry.title,
            "slow_because": entry.slow_because,
            "content_hash": cpp_content_hash(source),
            "n_tests": len(tests),
            "input_bytes": list(entry.input_bytes),
            "tests_dir": str(entry.path / "tests"),
            "reference_path": str(entry.path / "reference.cpp"),
            "statement_path": str(entry.path / "problem.md"),
            "variants": variants,
        },
    )


def _index_problem(
    base: Path, index_path: Path, where: str, problem: dict[str, Any], variants: dict[str, Any]
) -> ProblemEntry:
    pid = problem["id"]
    if not isinstance(pid, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", pid):
        raise TaskError(
            f"{index_path}: {where}.id {pid!r} is not a folder name", "use letters, digits, _ and -"
        )
    folder = base / pid
    if not folder.is_dir():
        raise TaskError(
            f"{index_path}: {where}.id names {folder}, which does not exist",
            "add the folder or the entry",
        )
    for name in PROBLEM_FILES:
        if not (folder / name).is_file():
            raise TaskError(
                f"{folder / name} is missing (problem {pid})",
                f"every problem has {', '.join(PROBLEM_FILES)}",
            )
    for label in variants:
        if not (folder / "variants" / f"{label}.cpp").is_file():
            raise TaskError(
                f"{folder / 'variants' / f'{label}.cpp'} is missing (variant {label!r} of {pid})",
                f"every problem has variants/{{{','.join(variants)}}}.cpp",
            )
    tests = folder / "tests"
    numbers = sorted(
        int(m.group(1))
        for p in (tests.iterdir() if tests.is_dir() else ())
        if (m := _CASE.fullmatch(p.name))
    )
    if not numbers:
        raise TaskError(
            f"{tests} holds no input.<i>.txt files (problem {pid})", "run make_tests.py for it"
        )
    for n in numbers:
        if not (tests / f"output.{n}.txt").is_file():
            raise TaskError(
                f"{tests / f'output.{n}.txt'} is missing (problem {pid})",
                "run make_tests.py for it",
            )
    return ProblemEntry(
        problem_id=pid,
        title=str(problem["title"]),
        slow_because=str(problem["slow_because"]),
        path=folder,
        test_names=tuple(str(n) for n in numbers),
        input_bytes=tuple((tests / f"input.{n}.txt").stat().st_size for n in numbers),
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise TaskError(
            f"suite index {path} does not exist", "point suite.root at a pie-mini style tree"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaskError(f"{path}: not valid YAML ({exc})", "fix the suite index") from exc
    if not isinstance(data, dict):
        raise TaskError(
            f"{path}: expected a mapping at the top", f"use the fields {sorted(INDEX_FIELDS)}"
        )
    return data
