"""The KernelBench directory loader on fixture trees written in KernelBench's real layout."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import torch
from maxcode.benchmarks.loaders.kernelbench_dir import (
    DEFAULT_TOLERANCE,
    content_hash,
    index_kernelbench_dir,
    load_kernelbench_dir,
    read_subset_file,
    resolve_root,
)
from maxcode.benchmarks.task import Task, Tolerance
from maxcode.records.errors import TaskError

FIXTURES = Path(__file__).parent / "fixtures"
REPO = FIXTURES / "kernelbench_repo"
MALFORMED = FIXTURES / "kernelbench_malformed"


def test_index_sorts_numerically_and_parses_names() -> None:
    entries = index_kernelbench_dir(REPO, 1)
    assert [(e.problem_id, e.name) for e in entries] == [
        (1, "Square_Add"),
        (2, "Scale"),
        (10, "Row_Max_"),
    ]
    assert [e.key for e in entries] == [
        "level1/1_Square_Add",
        "level1/2_Scale",
        "level1/10_Row_Max_",
    ]


@pytest.mark.parametrize("root", [REPO, REPO / "KernelBench"], ids=["repo", "KernelBench-folder"])
def test_root_may_be_the_repo_or_its_kernelbench_folder(root: Path) -> None:
    assert resolve_root(root) == REPO / "KernelBench"
    tasks = load_kernelbench_dir(root, 2)
    assert [t.id for t in tasks] == [
        "kernelbench/level2/1_Linear_ReLU",
        "kernelbench/level2/3_Mul_Tanh_Add",
    ]


def test_task_records_preserve_ids_names_levels_and_source() -> None:
    task = load_kernelbench_dir(REPO, 3)[1]
    path = REPO / "KernelBench/level3/2_TinyRNNCell.py"
    assert task.id == "kernelbench/level3/2_TinyRNNCell"
    assert (task.family, task.language) == ("kernel", "python")
    assert task.baseline_source == path.read_text()
    assert task.source_path == str(path)
    assert task.tolerance == DEFAULT_TOLERANCE == Tolerance(atol=1e-2, rtol=1e-2)
    meta = task.metadata
    assert (meta["suite"], meta["level"], meta["problem_id"], meta["name"]) == (
        "kernelbench",
        3,
        2,
        "TinyRNNCell",
    )
    assert meta["file"] == "level3/2_TinyRNNCell.py"
    assert meta["constants"] == {"batch_size": 2, "input_size": 8, "hidden_size": 8}
    assert "variants" not in meta and "forbidden_ops" not in meta  # plain checkout: no suite index
    assert Task.from_json(task.to_json()) == task


def test_loaded_sources_are_runnable_kernelbench_modules() -> None:
    """The loader hands back the module text unchanged: executing it gives a working problem."""
    for level in (1, 2, 3):
        for task in load_kernelbench_dir(REPO, level):
            namespace: dict = {}
            exec(compile(task.baseline_source, task.source_path, "exec"), namespace)
            model = namespace["Model"](*namespace["get_init_inputs"]())
            out = model(*namespace["get_inputs"]())
            assert isinstance(out, torch.Tensor) and out.numel() > 0, task.id


def test_filter_by_ids_keeps_numeric_order() -> None:
    tasks = load_kernelbench_dir(REPO, 1, ids=[10, 1])
    assert [t.metadata["problem_id"] for t in tasks] == [1, 10]


def test_a_problem_number_names_one_problem_per_level() -> None:
    # KernelBench restarts its numbering in each level: level1/1 and level3/1 are unrelated,
    # and a held-out split grouped by problem must not tie them together.
    one, three = load_kernelbench_dir(REPO, 1, ids=[1])[0], load_kernelbench_dir(REPO, 3)[0]
    assert one.metadata["problem_id"] == three.metadata["problem_id"] == 1
    assert (one.problem, three.problem) == ("kernelbench/level1/1", "kernelbench/level3/1")


def test_unknown_ids_are_an_error_listing_what_exists() -> None:
    with pytest.raises(TaskError) as err:
        load_kernelbench_dir(REPO, 1, ids=[1, 3, 99])
    assert "[3, 99]" in err.value.cause and "1-2, 10" in err.value.cause
    assert "level1" in err.value.cause


def test_representative_subset_from_file_and_intersection_with_ids() -> None:
    subset = read_subset_file(REPO / "representative_subset.yaml", level=1)
    assert subset == [1, 10]
    assert [t.metadata["problem_id"] for t in load_kernelbench_dir(REPO, 1, subset=subset)] == [
        1,
        10,
    ]
    assert [
        t.metadata["problem_id"] for t in load_kernelbench_dir(REPO, 1, ids=[2, 10], subset=subset)
    ] == [10]
    assert read_subset_file(REPO / "representative_subset.yaml", level=2) == [3]
    by_file = load_kernelbench_dir(REPO, 2, subset_file=REPO / "representative_subset.yaml")
    assert [t.id for t in by_file] == ["kernelbench/level2/3_Mul_Tanh_Add"]
    with pytest.raises(TaskError, match="keep only one"):
        load_kernelbench_dir(REPO, 2, subset=[3], subset_file=REPO / "representative_subset.yaml")


def test_subset_file_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match="no 'level3' entry"):
        read_subset_file(REPO / "representative_subset.yaml", level=3)
    bad = tmp_path / "subset.yaml"
    bad.write_text("level1: [1, two]\n")
    with pytest.raises(TaskError, match="list of integer problem ids"):
        read_subset_file(bad, level=1)
    with pytest.raises(TaskError, match="cannot read subset file"):
        read_subset_file(tmp_path / "absent.yaml", level=1)


def test_malformed_problem_names_the_file_and_what_is_missing() -> None:
    # Indexing reads names only, so it succeeds; loading reads the files and must fail.
    assert [e.problem_id for e in index_kernelbench_dir(MALFORMED, 1)] == [1, 2]
    with pytest.raises(TaskError) as err:
        load_kernelbench_dir(MALFORMED, 1)
    assert "2_No_Inputs.py" in err.value.cause
    assert "get_inputs()" in err.value.cause and "get_init_inputs" not in err.value.cause
    assert err.value.fix
    # Filtering the bad file out leaves a loadable level.
    assert [t.id for t in load_kernelbench_dir(MALFORMED, 1, ids=[1])] == [
        "kernelbench/level1/1_Identity"
    ]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "KernelBench" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


GOOD = """
    import torch.nn as nn
    class Model(nn.Module):
        def forward(self, x):
            return x
    def get_inputs():
        return []
    def get_init_inputs():
        return []
"""


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"level1/ReLU.py": GOOD}, "ReLU.py: file name is not"),
        ({"level1/1_A.py": GOOD, "level1/01_B.py": GOOD}, "problem id 1 also used"),
        ({"level1/1_A.py": "def get_inputs(:\n"}, "1_A.py:1: syntax error"),
        ({"level1/1_A.py": GOOD.replace("class Model", "class Net")}, "missing class Model"),
        ({"level1/1_A.py": GOOD.replace("def forward", "def run")}, "missing Model.forward"),
        (
            {"level1/1_A.py": GOOD.replace("def get_init_inputs", "def init_inputs")},
            "missing function get_init_inputs()",
        ),
    ],
    ids=["bad-name", "duplicate-id", "syntax", "no-Model", "no-forward", "no-get_init_inputs"],
)
def test_malformed_trees_raise_task_errors(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    root = _tree(tmp_path, files)
    with pytest.raises(TaskError, match=message):
        load_kernelbench_dir(root, 1)


def test_init_file_is_ignored_and_level4_is_accepted(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"level4/__init__.py": "", "level4/1_A.py": GOOD})
    assert [t.id for t in load_kernelbench_dir(root, 4)] == ["kernelbench/level4/1_A"]


@pytest.mark.parametrize(
    ("root", "level", "message"),
    [
        (REPO, 5, "level 5 does not exist"),
        (REPO / "no_such_dir", 1, "is not a directory"),
        (FIXTURES, 1, "no level1..level4 folder"),
    ],
)
def test_bad_root_or_level(root: Path, level: int, message: str) -> None:
    with pytest.raises(TaskError, match=message):
        load_kernelbench_dir(root, level)


def test_missing_level_folder(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"level1/1_A.py": GOOD})
    with pytest.raises(TaskError, match="has no level 2"):
        load_kernelbench_dir(root, 2)


def test_content_hash_ignores_whitespace_and_comments_but_not_code() -> None:
    src = (REPO / "KernelBench/level1/2_Scale.py").read_text()
    reformatted = src.replace("\n\n\n", "\n\n").replace(
        "x * self.factor", "x  *  self.factor  # scale it"
    )
    assert reformatted != src
    assert content_hash(reformatted) == content_hash(src)
    assert content_hash(src.replace("dim = 16", "dim = 17")) != content_hash(src)


def test_suite_index_errors_name_file_and_field(tmp_path: Path) -> None:
    shutil.copytree(REPO / "KernelBench", tmp_path / "tree")
    root = tmp_path / "tree"
    index = root / "suite.yaml"
    entry = (
        "  - {key: level1/1_Square_Add, requires_custom_kernel: true, forbidden_ops: [torch.add]}\n"
    )
    index.write_text("name: mini\nversion: 1\nproblems:\n" + entry)
    with pytest.raises(
        TaskError, match=r"does not list \['level1/10_Row_Max_', 'level1/2_Scale'\]"
    ):
        load_kernelbench_dir(root, 1)
    index.write_text(
        "name: mini\nversion: 1\nproblems:\n" + entry.replace("forbidden_ops", "forbidden")
    )
    with pytest.raises(TaskError, match=r"problems\[0\] has unknown field\(s\) \['forbidden'\]"):
        load_kernelbench_dir(root, 1)
    variants = (
        "default_variants:\n  cpu: {device: cpu, expect_correct: true, expect_speed: quick}\n"
    )
    index.write_text("name: mini\nversion: 1\n" + variants + "problems:\n" + entry)
    with pytest.raises(TaskError, match="default_variants.cpu.expect_speed must be one of"):
        load_kernelbench_dir(root, 1)


def test_suite_index_declared_variant_file_must_exist(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "level1").mkdir(parents=True)
    (root / "level1/1_A.py").write_text(textwrap.dedent(GOOD))
    (root / "suite.yaml").write_text(
        "name: mini\nversion: 2\ntolerance: {atol: 1.0e-4, rtol: 1.0e-4}\n"
        "default_variants:\n  wrong: {device: cpu, expect_correct: false}\n"
        "problems:\n  - {key: level1/1_A, requires_custom_kernel: true, forbidden_ops: [torch.neg]}\n"
    )
    with pytest.raises(TaskError, match=r"variants/level1/1_A/wrong.py is missing"):
        load_kernelbench_dir(root, 1)
    vdir = root / "variants/level1/1_A"
    vdir.mkdir(parents=True)
    (vdir / "wrong.py").write_text("class Model:\n    pass\n")
    with pytest.raises(TaskError, match="no module-level class ModelNew"):
        load_kernelbench_dir(root, 1)
    (vdir / "wrong.py").write_text("class ModelNew:\n    pass\n")
    (task,) = load_kernelbench_dir(root, 1)
    assert task.id == "mini/level1/1_A"
    assert task.tolerance == Tolerance(atol=1e-4, rtol=1e-4)
    assert task.metadata["suite_version"] == 2
    assert task.metadata["forbidden_ops"] == ["torch.neg"]
    assert task.metadata["variants"] == {
        "wrong": {"device": "cpu", "expect_correct": False, "path": str(vdir / "wrong.py")}
    }
    (vdir / "extra.py").write_text("class ModelNew:\n    pass\n")
    with pytest.raises(TaskError, match=r"\['extra.py'\] not declared"):
        load_kernelbench_dir(root, 1)
