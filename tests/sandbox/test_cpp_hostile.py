"""Hostile candidates at judge level, on both backends: contained, reported, and survivable.

Each case runs the real candidate through the real judge and sandbox, then checks from
the host that nothing escaped; the module ends by judging an honest candidate with the
same judge, which must still work.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from pathlib import Path

import pytest
from cpp_fixtures.support import BACKENDS, candidate, make_backend, make_judge, sum_task, template
from maxcode.records.evaluation import Status
from maxcode.sandbox.timing.wall import WallTimer


@pytest.fixture(scope="module", params=BACKENDS)
def judge(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    request.getfixturevalue(f"require_{request.param}")
    backend = make_backend(request.param)
    # A short time limit keeps the timeouts cheap; the baseline needs ~20 ms per test.
    yield make_judge(backend, WallTimer(max_seconds=1.0), tmp_path_factory.mktemp("cache"), wall_time_s=2.0)
    backend.close()


@pytest.fixture
def task(tmp_path: Path):
    """A private copy of the fixture task: some candidates attack its files."""
    return sum_task(copy_to=tmp_path)


def _judge(judge, task, source: str):
    return judge.evaluate(task.baseline_source, source, task.tests)


def test_infinite_loop_times_out(judge, task) -> None:
    start = time.monotonic()
    ev = _judge(judge, task, candidate("infinite_loop.cpp"))
    assert ev.status is Status.TIMEOUT and ev.failing_test == "0"
    assert time.monotonic() - start < 30  # killed at the limit, not left running


def test_fork_bomb_is_contained(judge, task) -> None:
    ev = _judge(judge, task, candidate("fork_bomb.cpp"))
    assert ev.status in (Status.TIMEOUT, Status.RUNTIME_ERROR), ev.message
    assert not ev.correct


def test_50gb_allocation_is_memory_exceeded(judge, task) -> None:
    ev = _judge(judge, task, candidate("alloc_50gb.cpp"))
    assert ev.status is Status.MEMORY_EXCEEDED, ev.message


def test_10gb_output_is_cut(judge, task) -> None:
    start = time.monotonic()
    ev = _judge(judge, task, candidate("output_10gb.cpp"))
    assert ev.status in (Status.RUNTIME_ERROR, Status.TIMEOUT), ev.message
    if ev.status is Status.RUNTIME_ERROR:
        assert "bytes of output" in ev.message
    assert time.monotonic() - start < 60


def _host_addresses() -> list[str]:
    addresses = {"127.0.0.1", "172.17.0.1"}  # loopback, Docker's default bridge gateway
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outbound address
            addresses.add(s.getsockname()[0])
    except OSError:
        pass
    return sorted(addresses)


def test_network_is_unreachable(judge, task) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[tuple] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, peer = listener.accept()
                accepted.append(peer)
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        # Sanity: the listener is reachable from the host itself on every address tried.
        hosts = []
        for h in _host_addresses():
            try:
                socket.create_connection((h, port), timeout=1).close()
                hosts.append(h)
            except OSError:
                pass
        assert hosts, "no host address reaches the listener"
        time.sleep(0.3)
        accepted.clear()
        source = template("network.cpp", HOSTS=", ".join(f'"{h}"' for h in hosts), PORT=str(port))
        ev = _judge(judge, task, source)
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
    assert accepted == [], f"the candidate reached the host listener from {accepted}"
    assert ev.status is Status.OK, ev.message  # it answered correctly once its connects failed


def test_expected_outputs_are_out_of_reach(judge, task) -> None:
    tests_dir = Path(task.tests[0].output_path).parent
    ev = _judge(judge, task, template("read_expected.cpp", TESTS_DIR=str(tests_dir)))
    assert ev.status in (Status.WRONG_ANSWER, Status.RUNTIME_ERROR), ev.message
    assert ev.failing_test == "0"


def test_writes_outside_the_workspace_do_not_land(judge, task, tmp_path: Path) -> None:
    marker = tmp_path / "escape_marker"
    expected = Path(task.tests[0].output_path)
    before = expected.read_bytes()
    ev = _judge(judge, task, template("write_outside.cpp", MARKER=str(marker), EXPECTED=str(expected)))
    assert not marker.exists()
    assert expected.read_bytes() == before
    assert ev.status in (Status.OK, Status.RUNTIME_ERROR), ev.message


def _processes_named(name: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def test_background_process_is_killed(judge, task) -> None:
    name = "mcbg" + secrets.token_hex(4)
    ev = _judge(judge, task, template("background.cpp", NAME=name))
    time.sleep(0.5)
    survivors = _processes_named(name)
    for pid in survivors:  # clean up before failing, so one failure does not load the machine
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    assert survivors == [], f"background process {name} survived the sandbox"
    assert ev.status in (Status.OK, Status.RUNTIME_ERROR, Status.TIMEOUT), ev.message


def test_a_forged_runner_row_does_not_become_the_timing(judge, task) -> None:
    # The baseline's work behind rows written into the runner's result file (descriptor 3,
    # once inherited): the times judged are the runner's, so it is no speedup.
    ev = _judge(judge, task, candidate("forge_wall_time.cpp"))
    assert ev.status is Status.OK and ev.correct, ev.message
    assert ev.speedup is not None and ev.speedup < 1.5, ev.message


def test_judge_still_works_afterwards(judge, task) -> None:
    ev = _judge(judge, task, candidate("fast.cpp"))
    assert ev.status is Status.OK and ev.correct and ev.speedup > 1
