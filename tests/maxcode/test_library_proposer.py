"""`proposer=library` finds the shipped variants of every built-in problem, however the task
was loaded: from its suite, or as a single file (`maxcode optimize PATH proposer=library`)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from maxcode.benchmarks.loaders.builtin_pie import load_pie_mini
from maxcode.benchmarks.loaders.kernelbench_suite import BUILTIN_ROOT, load_kernelbench_suite
from maxcode.benchmarks.loaders.single_file import load_task
from maxcode.benchmarks.task import Task

from maxcode.errors import ProposerUnavailable
from maxcode.proposers.library import LibraryProposer, find_variants

SUITES = {"kernelbench-cpu": load_kernelbench_suite(BUILTIN_ROOT), "pie-mini": load_pie_mini()}
BUILTIN = [t for suite in SUITES.values() for t in suite.tasks]


def _shipped(task: Task) -> list[Path]:
    return [Path(spec["path"]) for _, spec in sorted(task.metadata["variants"].items())]


def _single_file(task: Task) -> Task:
    path = Path(task.source_path)
    return load_task(path, tests=path.parent / "tests" if task.family == "cpp" else None)


def test_every_builtin_suite_has_problems():
    assert len(SUITES["kernelbench-cpu"].tasks) == 15 and len(SUITES["pie-mini"].tasks) == 15


@pytest.mark.parametrize("task", BUILTIN, ids=lambda t: t.id)
def test_variants_of_every_builtin_problem(task):
    shipped = _shipped(task)
    assert shipped and all(p.is_file() for p in shipped)
    assert find_variants(task)[0] == shipped
    # Loaded as one file, the task has no metadata: the suite index above it is used.
    alone = _single_file(task)
    assert "variants" not in alone.metadata
    files, where = find_variants(alone)
    assert files == shipped and where.endswith("suite.yaml")


def _proposed(task: Task, device: str, k: int) -> list[str]:
    replies = LibraryProposer().propose(SimpleNamespace(task=task, serial=0, meta={"device": device}), k)
    assert all("```python" in r.text for r in replies)
    return [Path(r.meta["variant"]).relative_to(BUILTIN_ROOT).as_posix() for r in replies]


def test_the_issue_example_proposes_its_variants_for_the_run_device():
    task = load_task(BUILTIN_ROOT / "level2" / "4_Scale_Softmax_Scale.py")
    where = "variants/level2/4_Scale_Softmax_Scale"
    # A CPU run never spends an evaluation on the CUDA variant (a certain compile_error there).
    assert _proposed(task, "cpu", 4) == [f"{where}/{n}.py" for n in ("cpu", "slow", "wrong", "cpu")]
    assert _proposed(task, "cuda", 2) == [f"{where}/cuda.py"] * 2


def test_recorded_variants_for_another_device_only_make_the_library_unavailable(tmp_path):
    kernel = tmp_path / "cuda.py"
    kernel.write_text("x = 1\n")
    task = Task(id="t", family="kernel", language="python", baseline_source="",
                metadata={"variants": {"cuda": {"device": "cuda", "path": str(kernel)}}})
    assert find_variants(task, device="cuda")[0] == [kernel]
    with pytest.raises(ProposerUnavailable, match="no .py variants for device=cpu"):
        find_variants(task, device="cpu")


def test_variants_dir_beside_a_file_outside_any_suite(tmp_path):
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "b.py").write_text("x = 1\n")
    (tmp_path / "variants" / "a.py").write_text("x = 2\n")
    (tmp_path / "variants" / "notes.txt").write_text("")
    task = Task(id="t", family="kernel", language="python", baseline_source="",
                source_path=str(tmp_path / "p.py"))
    assert [p.name for p in find_variants(task)[0]] == ["a.py", "b.py"]
    assert [p.name for p in find_variants(task, tmp_path / "variants")[0]] == ["a.py", "b.py"]
    with pytest.raises(ProposerUnavailable, match="no .py variants"):
        find_variants(task, tmp_path / "missing")
    with pytest.raises(ProposerUnavailable, match="proposer.variants=DIR"):
        find_variants(Task(id="u", family="kernel", language="python", baseline_source=""))
