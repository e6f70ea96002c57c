"""Loader of a real PIE split: a jsonl of (slow, fast) program pairs plus CodeNet test cases.

    suite=pie suite.jsonl=test.jsonl suite.tests_root=DIR

Each jsonl line is one pair (LearningOpt/pie): `problem_id`, `user_id`, `src_id`, `tgt_id`,
`src_code` (the slow program: our baseline), `tgt_code` (the same user's faster program:
kept in metadata as the human reference), `src_agg_runtime`, `tgt_agg_runtime`, `speedup`,
`tests` (indices of the test cases to use) and `n_tests`. Other fields (e.g.
`generated_answers`) are allowed and ignored. Test cases live at
`<tests_root>/<problem_id>/input.<i>.txt` and `output.<i>.txt`; only the listed indices
are used, in the listed order.

Indexing comes before loading: `index_pie_jsonl` parses and checks every line's fields but
touches no test file; `load_pie_jsonl` then resolves the test files of the selected pairs.
An error names the file, the line number and the field; no line is skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from maxcode.benchmarks.hashing import cpp_content_hash
from maxcode.benchmarks.suite import Suite, did_you_mean
from maxcode.benchmarks.task import Task
from maxcode.records.errors import ConfigError, TaskError
from maxcode.records.testcases import TestCase

log = logging.getLogger(__name__)

SUITE_NAME = "pie"
# field -> (accepted JSON types, what it is); bool is excluded from numbers explicitly.
FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "problem_id": ((str,), "CodeNet problem id, e.g. p02577"),
    "user_id": ((str,), "author of both programs"),
    "src_id": ((str,), "submission id of the slow program"),
    "tgt_id": ((str,), "submission id of the fast program"),
    "src_code": ((str,), "slow program (the baseline)"),
    "tgt_code": ((str,), "fast program (human reference)"),
    "src_agg_runtime": ((int, float), "measured runtime of src_code"),
    "tgt_agg_runtime": ((int, float), "measured runtime of tgt_code"),
    "speedup": ((int, float), "src_agg_runtime / tgt_agg_runtime"),
    "tests": ((list,), "indices of the test cases to use"),
    "n_tests": ((int,), "number of test cases listed"),
}


@dataclass(frozen=True)
class PiePair:
    """One jsonl line, validated; test files not yet resolved."""

    line: int
    """1-based line number in the jsonl file."""
    problem_id: str
    user_id: str
    src_id: str
    tgt_id: str
    src_code: str
    tgt_code: str
    src_agg_runtime: float
    tgt_agg_runtime: float
    speedup: float
    tests: tuple[int, ...]
    n_tests: int

    @property
    def key(self) -> str:
        """`<problem_id>/<src_id>`: the pair's id within the split."""
        return f"{self.problem_id}/{self.src_id}"


def index_pie_jsonl(jsonl: str | Path) -> list[PiePair]:
    """Parse and validate every line of a PIE jsonl file, in file order."""
    path = Path(jsonl).expanduser()
    if not path.is_file():
        raise TaskError(
            f"PIE jsonl {path} does not exist", "set suite.jsonl to a PIE split such as test.jsonl"
        )
    pairs: list[PiePair] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for lineno, text in enumerate(handle, start=1):
            if not text.strip():
                continue  # a trailing blank line is layout, not a record
            pair = _parse_line(path, lineno, text)
            if pair.key in seen:
                raise TaskError(
                    f"{path}:{lineno}: pair {pair.key} (problem_id + src_id) repeats line {seen[pair.key]}",
                    "each (problem_id, src_id) must appear once",
                )
            seen[pair.key] = lineno
            pairs.append(pair)
    if not pairs:
        raise TaskError(
            f"PIE jsonl {path} holds no pairs", "point suite.jsonl at a non-empty split"
        )
    return pairs


def load_pie_jsonl(
    jsonl: str | Path,
    tests_root: str | Path,
    problems: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Task]:
    """One cpp Task per pair (baseline `src_code`), with exactly the listed test cases.

    `problems` keeps only pairs of these problem ids; `limit` keeps the first N pairs after
    that filter (file order), for quick runs.
    """
    path = Path(jsonl).expanduser()
    root = Path(tests_root).expanduser()
    if not root.is_dir():
        raise TaskError(
            f"PIE tests root {root} is not a directory",
            "set suite.tests_root to the folder holding <problem_id>/input.<i>.txt",
        )
    pairs = index_pie_jsonl(path)
    if problems is not None:
        known = sorted({p.problem_id for p in pairs})
        for pid in problems:
            if pid not in known:
                raise TaskError(
                    f"{path} has no pair of problem {pid!r}{did_you_mean(pid, known)}",
                    "fix suite.problems",
                )
        pairs = [p for p in pairs if p.problem_id in set(problems)]
    if limit is not None:
        if limit < 1:
            raise ConfigError(
                f"suite.limit must be a positive number of pairs, got {limit}",
                "drop it or set >= 1",
            )
        pairs = pairs[:limit]
    tasks = [_task(path, root, pair) for pair in pairs]
    log.info(
        "loaded %d PIE pairs over %d problems from %s",
        len(tasks),
        len({p.problem_id for p in pairs}),
        path,
    )
    return tasks


def load_pie_suite(
    jsonl: str | Path | None,
    tests_root: str | Path | None,
    problems: Sequence[str] | None = None,
    limit: int | None = None,
) -> Suite:
    """The `pie` suite: `load_pie_jsonl` wrapped in a Suite record."""
    if jsonl is None or tests_root is None:
        raise ConfigError(
            "the pie suite needs suite.jsonl and suite.tests_root",
            "add suite.jsonl=PATH/test.jsonl suite.tests_root=PATH/to/test_cases",
        )
    tasks = load_pie_jsonl(jsonl, tests_root, problems, limit)
    return Suite(
        name=SUITE_NAME,
        version="external",
        tasks=tasks,
        description=f"PIE pairs from {Path(jsonl).name}",
        source=str(Path(jsonl).expanduser()),
    )


def _parse_line(path: Path, lineno: int, text: str) -> PiePair:
    where = f"{path}:{lineno}"
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaskError(
            f"{where}: not valid JSON ({exc.msg} at column {exc.colno})", "one JSON object per line"
        ) from exc
    if not isinstance(record, dict):
        raise TaskError(
            f"{where}: expected a JSON object, got {type(record).__name__}",
            "one JSON object per line",
        )
    for name, (types, meaning) in FIELDS.items():
        if name not in record:
            raise TaskError(
                f"{where}: field '{name}' is missing ({meaning})",
                "every PIE pair has all of: " + ", ".join(FIELDS),
            )
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise TaskError(
                f"{where}: field '{name}' must be {' or '.join(t.__name__ for t in types)}, got {type(value).__name__}",
                f"'{name}' is the {meaning}",
            )
    for name in ("problem_id", "src_id", "src_code"):
        if not record[name].strip():
            raise TaskError(
                f"{where}: field '{name}' is empty", f"'{name}' is the {FIELDS[name][1]}"
            )
    if "/" in record["problem_id"] or record["problem_id"] in (".", ".."):
        raise TaskError(
            f"{where}: field 'problem_id' {record['problem_id']!r} is not a folder name",
            "use CodeNet ids",
        )
    tests = record["tests"]
    if not tests or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in tests
    ):
        raise TaskError(
            f"{where}: field 'tests' must be a non-empty list of test indices (ints >= 0)",
            "list the indices i of input.<i>.txt to use",
        )
    if len(set(tests)) != len(tests):
        raise TaskError(f"{where}: field 'tests' lists an index twice", "list each test index once")
    return PiePair(
        line=lineno,
        problem_id=record["problem_id"],
        user_id=record["user_id"],
        src_id=record["src_id"],
        tgt_id=record["tgt_id"],
        src_code=record["src_code"],
        tgt_code=record["tgt_code"],
        src_agg_runtime=float(record["src_agg_runtime"]),
        tgt_agg_runtime=float(record["tgt_agg_runtime"]),
        speedup=float(record["speedup"]),
        tests=tuple(tests),
        n_tests=record["n_tests"],
    )


def _task(path: Path, root: Path, pair: PiePair) -> Task:
    folder = root / pair.problem_id
    cases = []
    for i in pair.tests:
        case = TestCase(
            name=str(i),
            input_path=str(folder / f"input.{i}.txt"),
            output_path=str(folder / f"output.{i}.txt"),
        )
        for file in (case.input_path, case.output_path):
            if not Path(file).is_file():
                raise TaskError(
                    f"{path}:{pair.line}: field 'tests' lists {i}, but {file} does not exist",
                    "check suite.tests_root (it holds <problem_id>/input.<i>.txt and output.<i>.txt)",
                )
        cases.append(case)
    return Task(
        id=f"{SUITE_NAME}/{pair.key}",
        family="cpp",
        language="cpp",
        baseline_source=pair.src_code,
        source_path=f"{path}:{pair.line}",
        tests=cases,
        metadata={
            "suite": SUITE_NAME,
            "problem_id": pair.problem_id,
            "user_id": pair.user_id,
            "src_id": pair.src_id,
            "tgt_id": pair.tgt_id,
            "jsonl_line": pair.line,
            "content_hash": cpp_content_hash(pair.src_code),
            "human_reference": pair.tgt_code,
            "human_speedup": pair.speedup,
            "src_agg_runtime": pair.src_agg_runtime,
            "tgt_agg_runtime": pair.tgt_agg_runtime,
            "n_tests": pair.n_tests,
            "tests_used": list(pair.tests),
        },
    )
