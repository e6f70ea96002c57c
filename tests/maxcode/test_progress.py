"""The live display and the final table show what the issue asks for."""

from __future__ import annotations

import io

from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus
from maxcode.records.summary import Retiming, RunSummary
from maxcode.records.usage import Usage
from rich.console import Console

from maxcode.cli.progress import LiveProgress, render, summary_table
from maxcode.loop import Snapshot


def text(renderable) -> str:
    console = Console(file=io.StringIO(), width=160)
    console.print(renderable)
    return console.file.getvalue()


def test_live_panel_shows_best_with_interval_counts_budget_and_step():
    best = Node(id=3, parent_id=0, step=2, index=0, status=NodeStatus.OK,
                evaluation=Evaluation(status=Status.OK, correct=True, speedup=2.5, speedup_ci=(2.1, 2.9), significant=True))
    snap = Snapshot(step=2, best=best, counts={"ok": 2, "no_code": 1}, nodes=3,
                    usage=Usage(llm_calls=2, prompt_tokens=100, completion_tokens=50, evaluations=2, wall_s=12))
    out = text(render(snap, {"max_evaluations": 10, "max_llm_calls": None}))
    assert "step 2" in out and "2.50x [2.10, 2.90] (node 3)" in out
    assert "ok 2" in out and "no_code 1" in out and "evaluations 2/10" in out and "tokens 150" in out
    empty = Snapshot(step=1, best=None, counts={}, nodes=0, usage=Usage())
    assert "baseline" in text(render(empty, {}))
    assert "waiting" not in text(render(empty, {}, waits=[]))


def test_live_panel_shows_a_judgement_waiting_for_the_timing_lease(tmp_path, monkeypatch):
    import threading
    import time

    from maxcode.sandbox.timing import lease

    monkeypatch.setenv("MAXCODE_LEASE_DIR", str(tmp_path))
    snap = Snapshot(step=1, best=None, counts={}, nodes=0, usage=Usage())
    release = threading.Event()

    def timing():
        with lease.exclusive():
            release.wait(10)

    holder = threading.Thread(target=timing)
    holder.start()
    time.sleep(0.1)
    def second():
        with lease.exclusive():
            pass

    waiter = threading.Thread(target=second)
    waiter.start()
    deadline = time.monotonic() + 5
    while not lease.waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    out = text(render(snap, {}))
    release.set()
    holder.join()
    waiter.join(timeout=10)
    assert not waiter.is_alive()
    assert "1 judgement(s) waiting for the timing lease on cpu" in out


def test_summary_table_names_the_run_dir_and_a_missing_claim():
    s = RunSummary(task_id="t", strategy="refine", run_dir="/r", best_source="/r/best.cpp", nodes=2, steps=2,
                   counts={"wrong_answer": 2}, budget_used=Usage(evaluations=2, llm_calls=2, wall_s=3.0).to_dict(),
                   stop_reason="the strategy finished")
    out = text(summary_table(s))
    assert "no significant speedup" in out and "/r" in out and "wrong_answer 2" in out


def test_summary_table_says_when_the_answers_retiming_failed():
    s = RunSummary(task_id="t", strategy="refine", run_dir="/r", best_speedup=2.5, best_speedup_ci=[2.2, 2.8],
                   best_is_baseline=False, best_source="/r/best.cpp", nodes=3, steps=3, counts={"ok": 3},
                   budget_used=Usage(evaluations=3, wall_s=3.0).to_dict(), stop_reason="the strategy finished",
                   best_retimed=Retiming(node=2, status="wrong_answer", message="wrong answer on test 1"))
    out = text(summary_table(s))
    assert "unconfirmed" in out and "node #2" in out and "wrong_answer" in out
    s.best_retimed = Retiming(node=2, speedup=2.4, speedup_ci=[2.3, 2.5])
    assert "unconfirmed" not in text(summary_table(s))


def test_summary_after_the_live_display_starts_on_its_own_line():
    # To a file or pipe the live display prints only its last frame, when it stops.
    s = RunSummary(task_id="t", strategy="refine", run_dir="/r", best_source="/r/best.cpp", nodes=1, steps=1,
                   counts={"ok": 1}, budget_used=Usage(evaluations=1, wall_s=15.0).to_dict(),
                   stop_reason="the strategy finished")
    console = Console(file=io.StringIO(), width=160)
    with LiveProgress(console, {"max_wall_s": 3600}) as live:
        live(Snapshot(step=1, best=None, counts={"ok": 1}, nodes=1, usage=Usage(wall_s=15), stop_reason="done"))
    console.print(summary_table(s))
    lines = console.file.getvalue().splitlines()
    last_frame = next(i for i, line in enumerate(lines) if "wall 15s/3600" in line)
    assert lines[last_frame].rstrip().endswith("wall 15s/3600")
    assert lines[last_frame + 1].strip() == "t - refine"
