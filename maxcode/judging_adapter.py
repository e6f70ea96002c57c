"""The loop's view of the task loaders and judges (benchmarks/loaders, maxcode/judging.py).

Kept apart so the loop depends on one small surface: `load_task(path, tests) -> Task` and
`make_judge(cfg, task) -> (judge(task, source) -> Evaluation, sandbox backend)`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from benchmarks.task import Task
from maxcode.errors import TaskError, UserError


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise UserError(f"{name} is missing from this installation",
                            "reinstall maxcode (pip install -e .)") from exc
        raise


def load_task(path: Path, tests: str | None) -> Task:
    if not path.is_file():
        raise TaskError(f"task file {path} does not exist", "pass the path of a .cpp or .py task file")
    if path.suffix not in (".cpp", ".py"):
        raise TaskError(f"{path}: a task is a .cpp (PIE-style) or .py (KernelBench-style) file",
                        "pass a .cpp file with tests=DIR, or a KernelBench problem .py")
    loader = _module("benchmarks.loaders.single_file")
    return loader.load_task(path, tests=Path(tests) if tests else None)


def make_judge(cfg: DictConfig) -> Any:
    """The `Judging` of the config: `.judge_task(task, source)`, `.backend`, `.close()`."""
    return _module("maxcode.judging").build(cfg)
