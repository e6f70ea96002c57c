"""A memo of verdicts shared by the runs of a sweep, so each distinct program is judged once.

A league runs five strategies and two seeds over the same tasks with the same offline
proposer, and most programs come up in many of its runs (two runs of one pie-mini task
shared 15 of their 17 programs). Judging each copy again costs minutes of machine time and
gives one program different figures in different runs: a sweep once ranked 12.64x below
12.81x, the same library program judged twice. With the memo every run gets the one
verdict, so the league compares strategies on common measurements. A hit still counts as a
judged evaluation of the run's budget: the memo saves machine time, not search budget.

Stored: every verdict of a search; never a full-budget one (an answer's re-timing, always
measured afresh: maxcode/judging.py). One cut short by racing (timing stopped once the
candidate's interval lay wholly below a search's best so far, X) is served only to a search
whose best is at least X: below X is below anything higher, and a search with a lower best
judges the program afresh. A complete verdict replaces a raced one. Judge errors raise and
are never stored.

Key: the task (its program, test files, tolerance), the candidate's exact source, the
flags of the call (full budget, versus torch.compile), the family's judge configuration,
the timer's (cpp), the sandbox's and the device, the CPU model, and a hash of the judge's and
the timers' code, so editing either measures afresh. The seed is left out: it only orders
rounds and draws random inputs, and the two seeds of a league are two searches, not two
measurements.

Two runs about to judge the same program at once (a sweep runs the runs of one task side by
side) would both judge it: `claim(key)` holds one of a few lock files (flock, released by the
kernel if its holder dies) while a verdict is looked up, judged and stored, so the second
waits and gets the first's verdict.

File: JSON lines `{"key", "task", "evaluation"}`, appended under an exclusive flock, so the
concurrent runs of a sweep share one file. It is read with the project's one rule for a cut
line (records/lines.py): a crash loses at most the line being written, and the next writer
cuts it off before appending. It is read in full when opened and from where it was last
read on every miss, so a verdict another process stored is found.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Evaluation
from maxcode.records.jsonable import to_dict
from maxcode.records.lines import Lines, append_line, read_lines, truncate_at_cut
from maxcode.sandbox.hardware import fingerprint

log = logging.getLogger(__name__)

# Configuration keys that do not change a verdict: where caches live, the memo itself, seeds.
_IGNORED_KEYS = frozenset({"cache_dir", "memo", "seed"})
_CODE_DIRS = {"cpp": ("judges/cpp", "judges/base.py", "timing"),
              "kernel": ("judges/kernel", "judges/base.py", "timing")}
LOCK_STRIPES = 64
"""Lock files per memo: two different programs share one with odds 1/64 (then one waits)."""
_SANDBOX_ROOT = Path(fingerprint.__code__.co_filename).resolve().parent


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _without_ignored(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ignored(v) for k, v in value.items() if k not in _IGNORED_KEYS}
    if isinstance(value, list):
        return [_without_ignored(v) for v in value]
    return value


def code_hash(family: str) -> str:
    """sha256 over the source files of `family`'s judge and of the timers."""
    h = hashlib.sha256()
    for part in _CODE_DIRS[family]:
        root = _SANDBOX_ROOT / part
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for path in files:
            h.update(str(path.relative_to(_SANDBOX_ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def raced_below(stored: dict[str, Any]) -> float | None:
    """The best so far that racing found the candidate below (a stored verdict's
    `stopped_below`), or None for a verdict that was not cut short."""
    below = stored.get("stopped_below")
    return float(below) if isinstance(below, (int, float)) and not isinstance(below, bool) else None


def _serves(stored: dict[str, Any], incumbent: float | None) -> bool:
    below = raced_below(stored)
    return below is None or (incumbent is not None and incumbent >= below)


def _replaces(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """Complete beats raced; of two raced verdicts, the one below the lower best serves more."""
    if old is None:
        return True
    new_below, old_below = raced_below(new), raced_below(old)
    if old_below is None:
        return False
    return new_below is None or new_below < old_below


class VerdictMemo:
    """Verdicts by key, in an append-only JSON-lines file shared between processes."""

    def __init__(self, path: str | os.PathLike[str], configs: dict[str, Any]) -> None:
        """`configs`: per task family, the plain (resolved) configuration its verdicts
        depend on (judge, timer, sandbox, device)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._context = {family: _digest({"config": _without_ignored(cfg), "code": code_hash(family),
                                          "cpu": fingerprint()["cpu_model"]})
                         for family, cfg in configs.items()}
        self._tasks: dict[str, str] = {}
        self._verdicts: dict[str, dict[str, Any]] = {}
        self._offset = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.stored = 0
        self._read_new()

    def key(self, task: Task, source: str, **flags: Any) -> str:
        """The key of judging `source` as a candidate of `task` with `flags`."""
        return _digest({"context": self._context[task.family], "task": self._task_hash(task),
                        "source": hashlib.sha256(source.encode()).hexdigest(), "flags": flags})

    @contextlib.contextmanager
    def claim(self, key: str) -> Iterator[None]:
        """Hold `key` against other processes and threads judging it at the same time."""
        locks = self.path.with_name(self.path.name + ".locks")
        locks.mkdir(exist_ok=True)
        with open(locks / f"{int(key[:8], 16) % LOCK_STRIPES:02d}", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def get(self, key: str, incumbent: float | None = None) -> Evaluation | None:
        """The stored verdict that serves a search whose best so far is `incumbent` (a fresh
        copy, marked `details["memo"] = "hit"`), or None."""
        with self._lock:
            if key not in self._verdicts or not _serves(self._verdicts[key], incumbent):
                self._read_new()
            stored = self._verdicts.get(key)
            if stored is None or not _serves(stored, incumbent):
                return None
            self.hits += 1
        evaluation = Evaluation.from_dict(copy.deepcopy(stored))
        evaluation.details["memo"] = "hit"
        return evaluation

    def put(self, key: str, task: Task, evaluation: Evaluation) -> bool:
        """Store `evaluation` unless what is stored serves at least as many searches; True
        when stored."""
        data = evaluation.to_dict()
        line = json.dumps({"key": key, "task": task.id, "evaluation": data})
        with self._lock:
            if not _replaces(data, self._verdicts.get(key)):
                return False
            with open(self.path, "a+b") as f:  # held only for the lock every writer appends under
                fcntl.flock(f, fcntl.LOCK_EX)
                try:
                    # Under the lock no line is being written: bytes after the last whole
                    # record are a killed writer's, cut off so that this line is read.
                    truncate_at_cut(self.path, self._read_new())
                    # Not fsynced: a verdict lost to a power cut is judged again.
                    append_line(self.path, line, durable=False)
                finally:
                    fcntl.flock(f, fcntl.LOCK_UN)
            self._keep(key, data)
            self.stored += 1
        return True

    def _keep(self, key: str, data: dict[str, Any]) -> None:
        if _replaces(data, self._verdicts.get(key)):
            self._verdicts[key] = data

    def __len__(self) -> int:
        return len(self._verdicts)

    def _read_new(self) -> Lines:
        """Load the records appended since the last read (by this or another process); a
        line still being written is not one yet, and is read next time."""
        lines = read_lines(self.path, self._offset)
        for row in lines.rows:
            try:
                self._keep(row["key"], row["evaluation"])
            except (KeyError, TypeError, AttributeError):
                log.warning("verdict memo %s: skipped a record that is not a verdict", self.path)
        self._offset = lines.end
        return lines

    def _task_hash(self, task: Task) -> str:
        if task.id not in self._tasks:
            tests = []
            for case in task.tests:
                tests.append([case.name, hashlib.sha256(Path(case.input_path).read_bytes()).hexdigest(),
                              hashlib.sha256(Path(case.output_path).read_bytes()).hexdigest()])
            self._tasks[task.id] = _digest({"id": task.id, "family": task.family,
                                            "baseline": task.baseline_source, "tests": tests,
                                            "tolerance": to_dict(task.tolerance)})
        return self._tasks[task.id]
