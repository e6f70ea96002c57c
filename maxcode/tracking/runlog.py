"""One tracked run kept up to date with one directory: a run's, or a sweep's with its runs.

Every method is idempotent and may raise (the tracker is gone); what was confirmed is in
`tracking.json`, and the next call takes up from there.
"""

from __future__ import annotations

from pathlib import Path

from maxcode.records.run import TRAJECTORY, is_run_dir
from maxcode.records.sweep import SPEC, SweepReader
from maxcode.tracking import feed
from maxcode.tracking.base import RunSpec, TrackedRun, Tracker
from maxcode.tracking.feed import MetricPoint, PointReader
from maxcode.tracking.state import DirState, TrackedState


class RunLog:
    def __init__(self, tracker: Tracker, directory: Path, name: str, *, tags: dict[str, str] | None = None,
                 parent_id: str | None = None, group: str | None = None, kind: str = "run",
                 config_file: str = "config.yaml", reopen: bool = False) -> None:
        """reopen: this session adds to the directory (a resume), so a run the tracker
        closed before is opened again."""
        self.tracker, self.dir, self.name = tracker, directory, name
        self.parent_id, self.group, self.kind, self.config_file = parent_id, group, kind, config_file
        self.state = DirState.load(directory)
        if tags:
            self.state.tags = dict(tags)
        if reopen:
            self.tracked.finished = False
        self.reader = PointReader(directory / TRAJECTORY)
        self.pending: list[MetricPoint] = []
        self.run: TrackedRun | None = None

    @property
    def tracked(self) -> TrackedState:
        return self.state.of(self.tracker.key())

    @property
    def finished(self) -> bool:
        return self.tracked.finished

    def open(self) -> TrackedRun:
        if self.run is None:
            spec = RunSpec(self.name, self.tracked.run_id, self.parent_id, self.group, self.kind, self.state.tags)
            run = self.tracker.open(spec)
            if run.run_id == self.tracked.run_id:
                # The tracker's own record, not tracking.json: a kill can land between a
                # confirmed step and this file's update, and a killed W&B session loses what
                # it had not written out yet (its params too: logged again, which is harmless).
                self.tracked.step = run.last_step()
                self.tracked.params_logged = False
            else:
                self.state.trackers[self.tracker.key()] = TrackedState(run_id=run.run_id)
            self.state.save()
            self.run = run
        return self.run

    def update(self) -> None:
        if self.finished:
            return
        run = self.open()
        if not self.tracked.params_logged and (self.dir / self.config_file).is_file():
            run.log_params(feed.params(self.dir, self.config_file))
            self.tracked.params_logged = True
            self.state.save()
        self.pending += self.reader.read()
        try:
            for point in self.pending:
                if point.step > self.tracked.step:
                    run.log_metrics(point.step, point.values)
                    self.tracked.step = point.step
        finally:
            self.pending = [p for p in self.pending if p.step > self.tracked.step]
            self.state.save()

    def finish(self, status: str) -> None:
        """Everything left, the summary and the artifacts; then the tracked run is closed."""
        if self.finished:
            return
        self.update()
        run = self.open()
        numbers = feed.summary_numbers(self.dir, self.kind)
        if numbers:
            run.log_summary(numbers)
        for path in feed.artifacts(self.dir):
            run.log_file(path)
        run.close(status)
        self.tracked.finished = True
        self.state.save()
        self.run = None


class SweepLog:
    """The sweep's run and one child per (task, grid point), from the sweep directory (as the
    driver has it, whatever the executor: Ray's workers forward every record to it)."""

    def __init__(self, tracker: Tracker, sweep_dir: Path, name: str, runs: dict[str, dict[str, str]],
                 running: set[str], tags: dict[str, str] | None = None) -> None:
        """runs: run key -> its tags (grid point overrides); running: the keys this session
        runs (their earlier rows do not end them)."""
        self.sweep = SweepReader(sweep_dir)
        self.parent = RunLog(tracker, sweep_dir, name, tags=tags, group=name, kind="sweep",
                             config_file=SPEC, reopen=bool(running))
        self.tracker, self.name, self.runs = tracker, name, runs
        self.before = {k: v for k, v in self.sweep.rows().items() if k in running}
        self.children: dict[str, RunLog] = {}
        self.running = running

    def update(self, closing: str | None = None) -> None:
        self.parent.update()
        parent_id = self.parent.open().run_id
        rows = self.sweep.rows()
        for key, tags in self.runs.items():
            run_dir = self.sweep.run_dir(key)
            if not is_run_dir(run_dir):
                continue
            child = self.children.get(key)
            if child is None:
                child = self.children[key] = RunLog(self.tracker, run_dir, key, tags=tags, parent_id=parent_id,
                                                    group=self.name, reopen=key in self.running)
            row = rows.get(key)
            if row is not None and row != self.before.get(key):
                child.finish("finished" if row.get("status") == "finished" else "failed")
            elif closing:
                child.finish(closing)
            else:
                child.update()

    def finish(self, status: str) -> None:
        self.update(closing="killed" if status == "killed" else "failed")
        self.parent.finish(status)
