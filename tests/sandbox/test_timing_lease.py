"""The timing lease: exclusive across processes, shared runs overlap, writers first,
released when the holder is SIGKILLed, re-entrant inside a timing stage, waits visible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from maxcode.sandbox.timing import lease


@pytest.fixture(autouse=True)
def lease_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MAXCODE_LEASE_DIR", str(tmp_path / "leases"))
    monkeypatch.setenv("MAXCODE_LEASE_LOG", str(tmp_path / "lease.log"))
    monkeypatch.delenv("MAXCODE_TIMING_LEASE", raising=False)
    return tmp_path


def _holder(kind: str, seconds: float, ready, **env: str) -> subprocess.Popen:
    """Another process that takes the lease, says so on stdout, holds it, exits."""
    code = textwrap.dedent(f"""
        import sys, time
        from maxcode.sandbox.timing import lease
        with lease.hold("cpu", {kind!r}):
            print("held", flush=True)
            time.sleep({seconds})
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, **env})
    if ready:
        assert proc.stdout.readline().strip() == "held"
    return proc


def _intervals(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "lease.log").read_text().splitlines()]


def test_exclusive_waits_for_another_process_and_never_overlaps(lease_env):
    other = _holder(lease.SHARED, 1.0, ready=True)
    with lease.exclusive() as waited:
        pass
    other.wait(timeout=10)
    assert waited > 0.5  # it waited for the shared holder in the other process
    spans = _intervals(lease_env)
    ex = [s for s in spans if s["kind"] == lease.EXCLUSIVE]
    sh = [s for s in spans if s["kind"] == lease.SHARED]
    assert len(ex) == 1 and len(sh) == 1 and ex[0]["pid"] != sh[0]["pid"]
    assert ex[0]["start"] >= sh[0]["end"]


def test_shared_holders_overlap(lease_env):
    other = _holder(lease.SHARED, 1.0, ready=True)
    with lease.shared() as waited:
        assert waited < 0.5
    other.wait(timeout=10)


def test_a_sigkilled_holder_releases_the_lease(lease_env):
    victim = _holder(lease.EXCLUSIVE, 60.0, ready=True)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    start = time.monotonic()
    with lease.exclusive():
        pass
    assert time.monotonic() - start < 2.0


def test_a_waiting_timing_goes_before_shared_runs_that_come_later(lease_env):
    """Writer preference: a stream of builds cannot starve a timing stage."""
    order: list[str] = []
    first = _holder(lease.SHARED, 1.0, ready=True)

    def timing():
        with lease.exclusive():
            order.append("timing")
            time.sleep(0.3)

    t = threading.Thread(target=timing)
    t.start()
    deadline = time.monotonic() + 5
    while not lease.waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [w.kind for w in lease.waiting()] == [lease.EXCLUSIVE]
    assert lease.waiting_count() == 1  # machine-wide view, from the waiting markers
    late = _holder(lease.SHARED, 0.0, ready=False)  # arrives while the timing waits
    assert late.stdout.readline().strip() == "held"
    order.append("late build")
    t.join(timeout=10)
    first.wait(timeout=10)
    late.wait(timeout=10)
    assert order == ["timing", "late build"]
    assert lease.waiting() == [] and lease.waiting_count() == 0


def test_reentrant_inside_a_timing_stage_and_upgrade_refused():
    with lease.exclusive():
        with lease.shared():  # a sandbox run inside the timing stage
            pass
        with lease.exclusive("cpu"):
            pass
    with lease.shared():
        with pytest.raises(RuntimeError, match="holds it shared"):
            with lease.exclusive():
                pass


def test_threads_of_one_process_exclude_each_other(lease_env):
    inside = []
    overlaps = []

    def timing(i):
        with lease.exclusive():
            inside.append(i)
            if len(inside) > 1:
                overlaps.append(list(inside))
            time.sleep(0.05)
            inside.remove(i)

    threads = [threading.Thread(target=timing, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert overlaps == [] and len(_intervals(lease_env)) == 4


def test_gpu_timing_also_holds_the_cpu():
    assert lease.timing_devices("cpu") == ("cpu",)
    assert lease.timing_devices("cuda") == ("cpu", "cuda0")
    assert lease.timing_devices("cuda:1") == ("cpu", "cuda1")


def test_off_switch(monkeypatch, lease_env):
    other = _holder(lease.EXCLUSIVE, 3.0, ready=True, MAXCODE_TIMING_LEASE="1")
    monkeypatch.setenv("MAXCODE_TIMING_LEASE", "off")
    start = time.monotonic()
    with lease.exclusive():  # does not wait for the other process's timing
        assert time.monotonic() - start < 1.0
    other.kill()
    other.wait(timeout=10)


def test_a_forked_child_does_not_keep_the_parents_lease(lease_env):
    """A pool worker forked while its parent times must not hold the lease after it."""
    with lease.exclusive():
        pid = os.fork()
        if pid == 0:  # the child outlives the parent's timing stage
            time.sleep(3)
            os._exit(0)
    start = time.monotonic()
    other = _holder(lease.EXCLUSIVE, 0.0, ready=False)
    assert other.stdout.readline().strip() == "held"
    assert time.monotonic() - start < 2.5
    other.wait(timeout=10)
    os.waitpid(pid, 0)
