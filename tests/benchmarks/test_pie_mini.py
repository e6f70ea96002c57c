"""The built-in pie-mini suite: its index, its files, and its loader's errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from maxcode.benchmarks.hashing import cpp_content_hash
from maxcode.benchmarks.loaders.builtin_pie import DEFAULT_ROOT, index_pie_mini, load_pie_mini
from maxcode.records.errors import TaskError

LABELS = {"faster", "marginal", "slower", "wrong"}
MAX_INPUT_BYTES = 2 * 1024 * 1024
MAX_SUITE_BYTES = 25 * 1024 * 1024


def test_every_problem_has_its_files_five_tests_and_four_variants() -> None:
    index = index_pie_mini()
    assert index.name == "pie-mini" and index.version >= 1 and index.changelog
    assert len(index.problems) >= 15
    assert set(index.variants) == LABELS
    for entry in index.problems:
        folder = entry.path
        for name in ("problem.md", "slow.cpp", "reference.cpp", "gen.py"):
            assert (folder / name).is_file(), folder / name
        assert {p.stem for p in (folder / "variants").glob("*.cpp")} == LABELS, folder
        assert len(entry.test_names) >= 5, folder
        for name in entry.test_names:
            assert (folder / "tests" / f"output.{name}.txt").is_file()
        assert max(entry.input_bytes) < MAX_INPUT_BYTES, folder


def test_suite_stays_small() -> None:
    total = sum(p.stat().st_size for p in DEFAULT_ROOT.rglob("*") if p.is_file())
    assert total < MAX_SUITE_BYTES


def test_index_folders_and_yaml_agree() -> None:
    folders = sorted(p.name for p in DEFAULT_ROOT.iterdir() if (p / "slow.cpp").is_file())
    listed = [
        p["id"] for p in yaml.safe_load((DEFAULT_ROOT / "suite.yaml").read_text())["problems"]
    ]
    assert folders == sorted(listed) == [e.problem_id for e in index_pie_mini().problems]


def test_loaded_tasks_carry_tests_variants_and_hash() -> None:
    suite = load_pie_mini(ids=["pm05_prime_queries", "pm01_range_sum"])
    assert [t.id for t in suite.tasks] == [
        "pie-mini/pm01_range_sum",
        "pie-mini/pm05_prime_queries",
    ]  # sorted
    task = suite.tasks[0]
    slow = DEFAULT_ROOT / "pm01_range_sum" / "slow.cpp"
    assert task.baseline_source == slow.read_text()
    assert (task.family, task.language, task.source_path) == ("cpp", "cpp", str(slow))
    assert [c.name for c in task.tests] == ["0", "1", "2", "3", "4", "5"]
    meta = task.metadata
    assert meta["content_hash"] == cpp_content_hash(task.baseline_source)
    assert meta["suite_version"] == int(suite.version)
    assert set(meta["variants"]) == LABELS
    assert meta["variants"]["wrong"] == {
        "device": "cpu",
        "expect_correct": False,
        "path": str(DEFAULT_ROOT / "pm01_range_sum" / "variants" / "wrong.cpp"),
    }
    assert meta["variants"]["faster"]["expect_speed"] == "faster"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of two problems of the suite with its index, to break on purpose."""
    root = tmp_path / "pie_mini"
    root.mkdir()
    for name in ("pm01_range_sum", "pm07_fibonacci_queries"):
        shutil.copytree(DEFAULT_ROOT / name, root / name)
    index = yaml.safe_load((DEFAULT_ROOT / "suite.yaml").read_text())
    index["problems"] = [
        p for p in index["problems"] if p["id"] in ("pm01_range_sum", "pm07_fibonacci_queries")
    ]
    (root / "suite.yaml").write_text(yaml.safe_dump(index))
    return root


def test_a_copied_tree_loads(tree: Path) -> None:
    assert [t.id for t in load_pie_mini(tree).tasks] == [
        "pie-mini/pm01_range_sum",
        "pie-mini/pm07_fibonacci_queries",
    ]


def test_malformed_trees_name_the_file_and_field(tree: Path) -> None:
    (tree / "pm01_range_sum" / "variants" / "marginal.cpp").unlink()
    with pytest.raises(
        TaskError,
        match=r"variants/marginal\.cpp is missing \(variant 'marginal' of pm01_range_sum\)",
    ):
        index_pie_mini(tree)
    shutil.copy(
        DEFAULT_ROOT / "pm01_range_sum" / "variants" / "marginal.cpp",
        tree / "pm01_range_sum" / "variants",
    )
    (tree / "pm07_fibonacci_queries" / "tests" / "output.3.txt").unlink()
    with pytest.raises(TaskError, match=r"pm07_fibonacci_queries/tests/output\.3\.txt is missing"):
        index_pie_mini(tree)
    shutil.copy(
        DEFAULT_ROOT / "pm07_fibonacci_queries" / "tests" / "output.3.txt",
        tree / "pm07_fibonacci_queries" / "tests",
    )
    shutil.copytree(DEFAULT_ROOT / "pm10_lcs", tree / "pm10_lcs")
    with pytest.raises(TaskError, match=r"problem folders \['pm10_lcs'\] are not listed"):
        index_pie_mini(tree)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.pop("version"), r"top level lacks field\(s\) \['version'\]"),
        (lambda d: d.update(version="one"), r"field 'version' must be an integer"),
        (lambda d: d.update(colour="red"), r"top level has unknown field\(s\) \['colour'\]"),
        (
            lambda d: d["variants"]["faster"].update(expect_speed="quick"),
            r"variants\.faster\.expect_speed must be one of",
        ),
        (
            lambda d: d["variants"]["wrong"].update(expect_speed="faster"),
            r"variants\.wrong\.expect_speed makes no sense",
        ),
        (lambda d: d["problems"][0].pop("title"), r"problems\[0\] lacks field\(s\) \['title'\]"),
        (
            lambda d: d["problems"][1].update(id="pm99_nothing"),
            r"problems\[1\]\.id names .*pm99_nothing, which does not exist",
        ),
    ],
)
def test_malformed_index_fields_are_errors(tree: Path, edit, message: str) -> None:
    data = yaml.safe_load((tree / "suite.yaml").read_text())
    edit(data)
    (tree / "suite.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(TaskError, match=rf"suite\.yaml: {message}"):
        index_pie_mini(tree)


def test_indexing_reads_no_program(tree: Path) -> None:
    """Index before load: an unreadable program breaks loading, never listing."""
    slow = tree / "pm01_range_sum" / "slow.cpp"
    slow.write_bytes(b"\xff\xfe not utf-8")
    assert [e.problem_id for e in index_pie_mini(tree).problems] == [
        "pm01_range_sum",
        "pm07_fibonacci_queries",
    ]
    with pytest.raises(UnicodeDecodeError):
        load_pie_mini(tree)
