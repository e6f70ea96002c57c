"""What a sweep shows while it runs: a live table on a terminal; in a log (nohup, a batch job,
CI) one line per ended run with the time left, and the table at the end."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from maxcode.sweep.live import SweepState, _clock


def _jobs(n: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(key=f"k{i}", task=SimpleNamespace(id=f"pie-mini/t{i}"), name="tree", seed=i % 2)
            for i in range(n)]


def test_a_log_gets_a_line_per_ended_run_and_the_table_at_the_end() -> None:
    out = io.StringIO()
    jobs = _jobs(3)
    rows: list[dict] = []
    with SweepState(jobs, {}, rows.append, Console(file=out, force_terminal=False, width=200)) as state:
        state.started(jobs[0], 1)
        state.finished(jobs[0], {"status": "finished", "best_speedup": 12.276, "wall_s": 183.2})
        state.finished(jobs[1], {"status": "failed", "error": "the judges reject the task", "wall_s": 2})
    text = out.getvalue().splitlines()
    assert text[0].startswith("[1/3] pie-mini/t0 tree seed 0: finished, best 12.28x (183 s); left ~")
    assert not text[0].endswith("~-")  # an estimate once a run ended
    assert text[1].startswith("[2/3] pie-mini/t1 tree seed 1: failed: the judges reject the task (2 s)")
    assert any("maxcode sweep" in line for line in text[2:])  # the final table
    assert [r["status"] for r in rows] == ["finished", "failed"]


def test_a_terminal_gets_the_live_table_and_no_lines() -> None:
    out = io.StringIO()
    jobs = _jobs(2)
    with SweepState(jobs, {}, lambda row: None, Console(file=out, force_terminal=True, width=200)) as state:
        assert state.live is not None
        state.finished(jobs[0], {"status": "finished", "best_speedup": 2.0, "wall_s": 5})
    assert "[1/2]" not in out.getvalue() and "maxcode sweep" in out.getvalue()


def test_the_time_left_reads_in_hours_and_minutes_not_thousands_of_seconds() -> None:
    assert [_clock(s) for s in (40.2, 60, 3517, 3600, 7080)] == ["40s", "1m", "58m", "1h00m", "1h58m"]
