"""Every hostile program of programs/ against both real backends: the attack is contained,
reported with the right flag, leaves nothing behind, and the next run works."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from maxcode.sandbox.run_spec import GiB, Limits, MiB, RunSpec, Step
from programs.support import KINDS, assert_healthy, backend_for, run_program


@pytest.fixture(scope="module", params=KINDS)
def backend(request):
    b = backend_for(request.param, request)
    yield b
    b.close()


def test_infinite_loop_is_killed_at_the_limit(backend):
    started = time.monotonic()
    step = run_program(backend, "spin", limits=Limits(wall_time_s=1.0)).steps[0]
    assert step.timed_out and not step.ok and step.exit_code is None
    assert step.wall_time_s < 3.0 and time.monotonic() - started < 10
    assert_healthy(backend)


def test_cpu_limit_reads_as_timeout_not_memory(backend):
    step = run_program(backend, "spin", limits=Limits(wall_time_s=10.0, cpu_time_s=1.0)).steps[0]
    assert step.timed_out and not step.memory_exceeded
    # Ended by RLIMIT_CPU, not by the 10 s wall limit (rusage can read a little under 1 s).
    assert step.signal == signal.SIGXCPU and 0.5 < step.cpu_time_s < 3


def test_a_step_cannot_forge_the_runners_result(backend):
    # The runner's result file was once inherited by every step (descriptor 3, writable):
    # a row written there replaced the runner's own, wall time included.
    step = run_program(backend, "forge_result").steps[0]
    assert step.ok and step.wall_time_s >= 0.3, step


def test_fork_bomb_is_contained(backend):
    started = time.monotonic()
    step = run_program(backend, "fork_bomb", limits=Limits(wall_time_s=1.5, max_processes=32)).steps[0]
    assert not step.ok
    assert time.monotonic() - started < 20
    assert_healthy(backend)
    assert _leftovers("fork_bomb") == []


def test_allocating_50_gb_is_a_memory_verdict(backend):
    step = run_program(backend, "alloc_50g", limits=Limits(wall_time_s=10.0, memory_bytes=512 * MiB)).steps[0]
    assert step.memory_exceeded and not step.ok and not step.timed_out
    assert step.peak_memory_bytes < 1 * GiB
    assert_healthy(backend)


@pytest.mark.parametrize("target", ["stdout", "file"])
def test_writing_10_gb_stops_at_the_output_limit(backend, target):
    args = ("flood.txt",) if target == "file" else ()
    started = time.monotonic()
    result = run_program(backend, "flood_output", args, limits=Limits(wall_time_s=20.0, output_bytes=8 * MiB),
                         collect=["flood.txt"])
    step = result.steps[0]
    assert step.output_exceeded and not step.ok
    assert len(step.stdout) <= 8 * MiB and len(result.files.get("flood.txt", b"")) <= 8 * MiB
    assert time.monotonic() - started < 10  # 10 GB would take far longer: stopped early
    assert_healthy(backend)


def test_network_connections_fail(backend):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("0.0.0.0", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        addresses = ["127.0.0.1", *_host_addresses()]
        step = run_program(backend, "net_connect", (str(port), *addresses), limits=Limits(wall_time_s=10)).steps[0]
    finally:
        stop.set()
        thread.join()
        listener.close()
    out = step.stdout.decode()
    assert step.ok, step
    assert "failed 8.8.8.8:53" in out or "no socket" in out
    assert "connected" not in out and accepted == []
    assert_healthy(backend)


def test_files_outside_the_workspace_cannot_be_read(backend, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711\n")
    expected = tmp_path / "tests" / "output.1.txt"
    expected.parent.mkdir()
    expected.write_text("EXPECTED-ANSWER-42\n")
    os.chmod(tmp_path, 0o755)
    step = run_program(backend, "read_files", (str(secret), str(expected), str(Path.home() / ".bashrc"))).steps[0]
    out = step.stdout.decode()
    assert step.ok
    assert "TOP-SECRET" not in out and "EXPECTED-ANSWER" not in out and "READ /run/mcrun/result" not in out
    assert "READ /etc/shadow" not in out


def test_writes_outside_the_workspace_have_no_effect(backend, tmp_path):
    os.chmod(tmp_path, 0o777)  # even a world-writable host directory stays out of reach
    planted = [tmp_path / "planted.txt", Path("/tmp") / f"maxcode-planted-{os.getpid()}"]
    step = run_program(backend, "write_files", tuple(map(str, planted))).steps[0]
    assert step.exit_code == 3  # the forged result lines did not take
    assert "WROTE /run/mcrun" not in step.stdout.decode() and "WROTE ../results" not in step.stdout.decode()
    for path in [*planted, Path("/etc/maxcode-pwned"), Path("/usr/bin/maxcode-pwned")]:
        assert not path.exists(), f"{path} was written from inside the sandbox"
    assert_healthy(backend)


def test_background_process_dies_with_its_step(backend):
    watch = "n1=$(cat bg.log | wc -l); sleep 0.4; n2=$(cat bg.log | wc -l); echo $n1 $n2"
    steps = [Step(argv=["./daemonize", "bg.log"], limits=Limits(wall_time_s=5)),
             Step(argv=["sh", "-c", "sleep 0.2; " + watch])]
    spec = RunSpec(steps=steps, files={"daemonize": _program_path("daemonize")}, executables=frozenset({"daemonize"}))
    first, second = backend.run(spec).steps
    assert first.ok and second.ok, (first, second)
    n1, n2 = second.stdout.split()
    assert int(n1) >= 1, "the daemon never ran"
    assert n1 == n2, "the daemon kept writing after its step ended"
    assert _leftovers("mcdaemon") == []
    # The next run sees neither the daemon nor anything it wrote.
    after = run_program(backend, "list_procs").steps[0]
    assert b"mcdaemon" not in after.stdout
    clean = backend.run(RunSpec(steps=[Step(argv=["sh", "-c", "ls -A /tmp; ls -A"])])).steps[0]
    assert b"maxcode-daemon-mark" not in clean.stdout and b"bg.log" not in clean.stdout


def _program_path(name: str) -> Path:
    from programs.support import program

    return program(name)


def _leftovers(name: str) -> list[int]:
    """Host processes named `name` (a container's processes are visible from the host)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name and "Z" not in _state(entry):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _state(entry: Path) -> str:
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]


def _host_addresses() -> list[str]:
    """This host's own IPv4 addresses (a sandbox must not reach services bound to them)."""
    out = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            out.append(probe.getsockname()[0])
    except OSError:
        pass
    out.append("172.17.0.1")  # docker0, the usual bridge address
    return out


def test_memory_cgroup_oom_kill_is_a_memory_verdict(require_docker):
    """Docker only: a local run has no memory cgroup of its own, just per-process limits."""
    from maxcode.sandbox.backends import make_backend

    backend = make_backend("docker", workspace_bytes=64 * MiB, tmp_bytes=64 * MiB)
    try:
        step = run_program(backend, "oom_children", limits=Limits(wall_time_s=20, memory_bytes=512 * MiB)).steps[0]
        assert step.memory_exceeded and not step.ok and not step.timed_out, step
        assert_healthy(backend)
    finally:
        backend.close()
