"""The one place a run is wired from its configuration: the task from its path, then the
judges and their sandbox (maxcode/judging.py), every component of the search
(maxcode/components.py), then the search itself (maxcode/optimize.py).

`maxcode optimize`, a sweep's workers and the self-benchmarks all run a search this way:

    with Wiring(cfg) as wired:
        result = wired.optimize(task, run_dir)

and the sandbox is released whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from omegaconf import DictConfig

from maxcode import components, judging, optimize
from maxcode.benchmarks.loaders import single_file
from maxcode.benchmarks.task import Task
from maxcode.errors import TaskError
from maxcode.loop import Snapshot
from maxcode.records.run import RunWriter


def load_task(path: Path, tests: str | None) -> Task:
    """A task from the file a user names (`.cpp` with its tests, or a KernelBench `.py`)."""
    if not path.is_file():
        raise TaskError(f"task file {path} does not exist", "pass the path of a .cpp or .py task file")
    if path.suffix not in (".cpp", ".py"):
        raise TaskError(f"{path}: a task is a .cpp (PIE-style) or .py (KernelBench-style) file",
                        "pass a .cpp file with tests=DIR, or a KernelBench problem .py")
    return single_file.load_task(path, tests=Path(tests) if tests else None)


class Wiring:
    """The judges and the components of one configuration, ready to run searches."""

    def __init__(self, cfg: DictConfig) -> None:
        self.cfg = cfg
        self.judging = judging.build(cfg)
        try:
            self.parts = components.build(cfg, sandbox_backend=self.judging.backend)
        except BaseException:
            self.judging.close()
            raise

    def run_dir(self, task: Task) -> Path:
        """`run_dir` of the config, else a new one under `paths.runs_dir`."""
        if self.cfg.get("run_dir"):
            return Path(self.cfg.run_dir)
        return optimize.default_run_dir(self.cfg.paths.runs_dir, task, self.parts.name, int(self.cfg.seed))

    def optimize(self, task: Task, run_dir: Path, on_progress: Callable[[Snapshot], None] | None = None,
                 store: RunWriter | None = None, fresh_parts: bool = False) -> optimize.RunResult:
        """One search on `task`. `fresh_parts`: new components for this run (a benchmark that
        must not carry a proposer's cache from one run to the next)."""
        parts = components.build(self.cfg, sandbox_backend=self.judging.backend) if fresh_parts else self.parts
        return optimize.optimize(task, self.judging.judge_task, parts, run_dir, components.resolved_yaml(self.cfg),
                               seed=int(self.cfg.seed), on_progress=on_progress, store=store)

    def close(self) -> None:
        self.judging.close()

    def __enter__(self) -> Wiring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
