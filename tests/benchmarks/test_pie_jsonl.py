"""The PIE jsonl loader on a fixture split written in PIE's real formats (pie_fixtures/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from maxcode.benchmarks.hashing import cpp_content_hash
from maxcode.benchmarks.loaders.pie_jsonl import (
    FIELDS,
    index_pie_jsonl,
    load_pie_jsonl,
    load_pie_suite,
)
from maxcode.benchmarks.task import Task
from maxcode.records.errors import ConfigError, TaskError

FIXTURES = Path(__file__).parent / "pie_fixtures"
SPLIT = FIXTURES / "split.jsonl"
TESTS_ROOT = FIXTURES / "tests_root"


def records() -> list[dict]:
    return [json.loads(line) for line in SPLIT.read_text().splitlines()]


def write_split(tmp_path: Path, rows: list[dict] | list[str]) -> Path:
    path = tmp_path / "split.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_one_task_per_pair_with_ids_from_problem_and_src_id() -> None:
    tasks = load_pie_jsonl(SPLIT, TESTS_ROOT)
    assert [t.id for t in tasks] == ["pie/p00001/s100", "pie/p00001/s200", "pie/p00002/s300"]
    first = records()[0]
    task = tasks[0]
    assert (task.family, task.language) == ("cpp", "cpp")
    assert task.baseline_source == first["src_code"]
    meta = task.metadata
    assert meta["human_reference"] == first["tgt_code"]
    assert (meta["problem_id"], meta["user_id"], meta["src_id"], meta["tgt_id"]) == (
        "p00001",
        "u001",
        "s100",
        "s101",
    )
    assert (meta["src_agg_runtime"], meta["tgt_agg_runtime"], meta["human_speedup"]) == (
        0.012,
        0.004,
        3.0,
    )
    assert meta["content_hash"] == cpp_content_hash(first["src_code"])
    assert meta["jsonl_line"] == 1
    assert Task.from_json(task.to_json()) == task


def test_only_the_listed_tests_are_used_in_listed_order() -> None:
    tasks = {t.id: t for t in load_pie_jsonl(SPLIT, TESTS_ROOT)}
    s300 = tasks["pie/p00002/s300"]
    # input.2.txt exists on disk but the pair lists [0, 1, 3].
    assert [c.name for c in s300.tests] == ["0", "1", "3"]
    assert Path(s300.tests[2].input_path) == TESTS_ROOT / "p00002" / "input.3.txt"
    assert Path(s300.tests[2].output_path).read_text() == "5050\n"
    assert [c.name for c in tasks["pie/p00001/s200"].tests] == ["1"]


def test_filters_by_problem_and_limit_and_suite_record() -> None:
    assert [t.id for t in load_pie_jsonl(SPLIT, TESTS_ROOT, problems=["p00002"])] == [
        "pie/p00002/s300"
    ]
    assert len(load_pie_jsonl(SPLIT, TESTS_ROOT, limit=2)) == 2
    suite = load_pie_suite(SPLIT, TESTS_ROOT)
    assert (suite.name, suite.version, len(suite.tasks)) == ("pie", "external", 3)
    with pytest.raises(TaskError, match="no pair of problem 'p0002'.*did you mean 'p00002'"):
        load_pie_jsonl(SPLIT, TESTS_ROOT, problems=["p0002"])
    with pytest.raises(ConfigError, match="suite.jsonl and suite.tests_root"):
        load_pie_suite(SPLIT, None)


def test_index_reads_no_test_files(tmp_path: Path) -> None:
    """Indexing validates the jsonl alone: it succeeds even where no tests root exists."""
    pairs = index_pie_jsonl(SPLIT)
    assert [p.key for p in pairs] == ["p00001/s100", "p00001/s200", "p00002/s300"]
    assert pairs[2].tests == (0, 1, 3)


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_missing_field_names_file_line_and_field(tmp_path: Path, field: str) -> None:
    rows = records()
    del rows[1][field]
    path = write_split(tmp_path, rows)
    with pytest.raises(TaskError, match=rf"split\.jsonl:2: field '{field}' is missing"):
        index_pie_jsonl(path)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("tests", "0 1", r"field 'tests' must be list, got str"),
        ("tests", [], r"field 'tests' must be a non-empty list of test indices"),
        ("tests", [0, -1], r"field 'tests' must be a non-empty list"),
        ("tests", [0, 0], r"field 'tests' lists an index twice"),
        ("n_tests", True, r"field 'n_tests' must be int, got bool"),
        ("speedup", "fast", r"field 'speedup' must be int or float, got str"),
        ("src_code", "  ", r"field 'src_code' is empty"),
        ("problem_id", "../etc", r"field 'problem_id' '../etc' is not a folder name"),
    ],
)
def test_a_malformed_field_names_file_line_and_field(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    rows = records()
    rows[2][field] = value
    with pytest.raises(TaskError, match=rf"split\.jsonl:3: {message}"):
        index_pie_jsonl(write_split(tmp_path, rows))


def test_bad_json_and_duplicate_pairs_are_errors_not_skips(tmp_path: Path) -> None:
    rows: list = records()
    with pytest.raises(TaskError, match=r"split\.jsonl:2: not valid JSON"):
        index_pie_jsonl(write_split(tmp_path, [rows[0], "{not json", rows[2]]))
    with pytest.raises(TaskError, match=r"split\.jsonl:2: expected a JSON object, got list"):
        index_pie_jsonl(write_split(tmp_path, [rows[0], "[1, 2]"]))
    with pytest.raises(TaskError, match=r"split\.jsonl:3: pair p00001/s100 .* repeats line 1"):
        index_pie_jsonl(write_split(tmp_path, [rows[0], rows[1], rows[0]]))
    with pytest.raises(TaskError, match="holds no pairs"):
        index_pie_jsonl(write_split(tmp_path, []))


def test_a_listed_test_missing_on_disk_names_the_line_and_file(tmp_path: Path) -> None:
    root = tmp_path / "tests_root"
    shutil.copytree(TESTS_ROOT, root)
    (root / "p00002" / "output.3.txt").unlink()
    with pytest.raises(
        TaskError,
        match=r"split\.jsonl:3: field 'tests' lists 3, but .*p00002/output\.3\.txt does not exist",
    ):
        load_pie_jsonl(SPLIT, root)
    with pytest.raises(TaskError, match="tests root .* is not a directory"):
        load_pie_jsonl(SPLIT, tmp_path / "nowhere")
    with pytest.raises(TaskError, match="does not exist"):
        index_pie_jsonl(tmp_path / "missing.jsonl")
