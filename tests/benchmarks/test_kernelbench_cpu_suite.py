"""The built-in kernelbench-cpu suite: complete, well-formed, and (slow tests) really correct."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch
from maxcode.benchmarks.loaders.kernelbench_dir import load_kernelbench_dir
from maxcode.benchmarks.task import Task

SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "kernelbench_cpu"
LABELS = {"cpu", "cuda", "wrong", "slow"}
ALIASES = {"F": "torch.nn.functional", "nn": "torch.nn"}


def all_tasks() -> list[Task]:
    return [t for level in (1, 2, 3) for t in load_kernelbench_dir(SUITE, level)]


TASKS = all_tasks()
TASK_IDS = [t.id for t in TASKS]


def test_suite_has_at_least_15_problems_across_three_levels() -> None:
    per_level = {lv: sum(t.metadata["level"] == lv for t in TASKS) for lv in (1, 2, 3)}
    assert per_level == {1: 7, 2: 5, 3: 3}
    assert all(t.id.startswith("kernelbench-cpu/level") for t in TASKS)
    assert len({t.metadata["content_hash"] for t in TASKS}) == len(TASKS)


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_every_problem_declares_its_rules_and_all_variants(task: Task) -> None:
    meta = task.metadata
    assert meta["suite_version"] >= 1
    assert meta["requires_custom_kernel"] is True
    assert meta["forbidden_ops"]
    variants = meta["variants"]
    assert set(variants) == LABELS
    assert variants["wrong"]["expect_correct"] is False
    assert all(variants[label]["expect_correct"] for label in ("cpu", "cuda", "slow"))
    assert variants["slow"]["expect_speed"] == "slower"
    assert variants["cuda"]["device"] == "cuda"
    assert {variants[label]["device"] for label in ("cpu", "wrong", "slow")} == {"cpu"}
    # Problem sizes are module-level constants, as in KernelBench.
    assert any(isinstance(v, int) and v > 1 for v in meta["constants"].values())


def _load_inline_call(tree: ast.Module) -> ast.Call:
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "load_inline"
    ]
    assert len(calls) == 1, "one load_inline call per variant"
    return calls[0]


def test_variants_build_kernels_with_unique_extension_names() -> None:
    """torch caches builds by extension name, so two variants sharing one would collide."""
    names = []
    for task in TASKS:
        for label, spec in task.metadata["variants"].items():
            tree = ast.parse(Path(spec["path"]).read_text())
            call = _load_inline_call(tree)
            kwargs = {k.arg: k.value for k in call.keywords}
            assert "cpp_sources" in kwargs and "functions" in kwargs, spec["path"]
            assert ("cuda_sources" in kwargs) == (label == "cuda"), spec["path"]
            names.append(ast.literal_eval(kwargs["name"]))
            assert ast.get_docstring(tree), f"{spec['path']}: says what it is in its docstring"
            if label == "cuda":
                cuda_source = next(
                    n.value.value
                    for n in tree.body
                    if isinstance(n, ast.Assign)
                    and getattr(n.targets[0], "id", "") == "cuda_source"
                )
                assert "__global__" in cuda_source and "<<<" in cuda_source, spec["path"]
            else:
                flags = ast.literal_eval(kwargs["extra_cflags"])
                assert ("-fopenmp" in flags) == (label != "slow"), spec["path"]
    assert len(names) == len(set(names)) == 4 * len(TASKS)


def _called_names(tree: ast.Module, class_name: str) -> set[str]:
    """Dotted names called in `class_name.forward`: aliases expanded, `self.sub(...)` resolved
    to the class `__init__` assigned to `self.sub`, other method calls as `Tensor.<name>`."""
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}

    def dotted(node: ast.expr) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(ALIASES.get(node.id, node.id))
        return ".".join(reversed(parts))

    submodules = {}
    for node in ast.walk(methods["__init__"]):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = dotted(node.targets[0])
            if target and target.startswith("self."):
                submodules[target] = dotted(node.value.func)
    called = set()
    for node in ast.walk(methods["forward"]):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name in submodules:
            called.add(submodules[name])
        elif name and name.startswith("torch."):
            called.add(name)
        elif isinstance(node.func, ast.Attribute):
            called.add(f"Tensor.{node.func.attr}")
    return called


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_forbidden_ops_match_reference_and_variants_avoid_them(task: Task) -> None:
    forbidden = set(task.metadata["forbidden_ops"])
    reference_calls = _called_names(ast.parse(task.baseline_source), "Model")
    assert reference_calls & forbidden, (
        f"the reference calls none of {sorted(forbidden)}: {reference_calls}"
    )
    for label, spec in task.metadata["variants"].items():
        calls = _called_names(ast.parse(Path(spec["path"]).read_text()), "ModelNew")
        assert not calls & forbidden, f"{label}.py calls forbidden {sorted(calls & forbidden)}"


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _outputs(task: Task, variant: str) -> tuple[torch.Tensor, torch.Tensor]:
    ref = _import(
        Path(task.source_path or ""), "kb_ref_" + task.id.replace("/", "_").replace("-", "_")
    )
    new = _import(Path(task.metadata["variants"][variant]["path"]), f"kb_{variant}_{ref.__name__}")
    init = ref.get_init_inputs()
    torch.manual_seed(42)
    model = ref.Model(*init)
    torch.manual_seed(42)  # same seed, same construction order: identical parameters
    candidate = new.ModelNew(*init)
    torch.manual_seed(0)
    inputs = ref.get_inputs()
    with torch.no_grad():
        return model(*[t.clone() for t in inputs]), candidate(*[t.clone() for t in inputs])


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_cpu_variant_matches_reference(task: Task) -> None:
    """Builds the C++ kernel with load_inline (~30 s uncached) and compares at 1e-4."""
    expected, got = _outputs(task, "cpu")
    assert got.shape == expected.shape
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_wrong_variant_fails_the_suite_tolerance(task: Task) -> None:
    expected, got = _outputs(task, "wrong")
    tol = task.tolerance
    assert tol is not None
    assert got.shape != expected.shape or not torch.allclose(
        got, expected, atol=tol.atol, rtol=tol.rtol
    )


# Slow (-m slow): CI's half-hour budget; nvcc builds of every variant take ~80 s and nothing built runs here.
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not installed")
def test_every_cuda_variant_compiles_with_nvcc(monkeypatch) -> None:
    """The suite's own nvcc check (torch headers included): no GPU needed, ~1 min."""
    spec = importlib.util.spec_from_file_location("kbcpu_verify", SUITE / "verify.py")
    verify = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, verify)  # its dataclasses look themselves up
    spec.loader.exec_module(verify)
    assert verify.nvcc_check([]), "a cuda.py variant failed to compile (details in the log)"
