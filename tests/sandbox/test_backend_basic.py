"""Normal runs through both real backends: stdin/stdout, files in and out, executables,
multi-step plans, skipping after a failure, per-step limits, the scrubbed environment."""

from __future__ import annotations

import os
import threading

import pytest
from maxcode.sandbox.run_spec import Limits, RunSpec, Step
from programs.support import KINDS, backend_for, program


@pytest.fixture(scope="module", params=KINDS)
def backend(request):
    b = backend_for(request.param, request)
    yield b
    b.close()


def test_stdin_stdout_and_measures(backend):
    result = backend.run(RunSpec(steps=[Step(argv=["sh", "-c", "tr a-z A-Z"], stdin="in.txt", label="up")],
                                 files={"in.txt": b"hello sandbox\n"}))
    step = result.steps[0]
    assert step.ok and step.label == "up"
    assert step.stdout == b"HELLO SANDBOX\n"
    assert 0 < step.wall_time_s < 5 and step.peak_memory_bytes > 0
    assert result.backend == backend.name and result.isolation
    assert result.host_time_s >= step.wall_time_s


def test_stdout_to_file_collect_and_executable(backend):
    script = b"#!/bin/sh\necho \"$1\" > made.txt\necho to-file\n"
    result = backend.run(RunSpec(
        steps=[Step(argv=["./tool.sh", "arg with spaces"], stdout="out/stdout.txt")],
        files={"tool.sh": script, "out/keep": b""}, executables=frozenset({"tool.sh"}),
        collect=["made.txt", "out/stdout.txt", "missing.txt"]))
    assert result.steps[0].ok, result.steps[0]
    assert result.steps[0].stdout == b""
    assert result.files == {"made.txt": b"arg with spaces\n", "out/stdout.txt": b"to-file\n"}


def test_large_collected_file_comes_back(backend):
    # 300 MB of outputs (a kernel judge's correctness outputs can be this large): more than
    # the docker runner's result space once held, with its reply tar as a second copy.
    size = 300 * 1000 * 1000
    result = backend.run(RunSpec(
        steps=[Step(argv=["sh", "-c", f"head -c {size} /dev/zero | tr '\\0' x > big.bin"],
                    limits=Limits(wall_time_s=60, output_bytes=512 * 1000 * 1000))],
        collect=["big.bin"]))
    assert result.steps[0].ok, result.steps[0]
    big = result.files["big.bin"]
    assert len(big) == size and big[:3] == b"xxx" and big[-3:] == b"xxx"


def test_multi_step_compile_then_run(backend):
    source = b'#include <cstdio>\nint main(){long a,b;if(scanf("%ld %ld",&a,&b)!=2)return 2;printf("%ld\\n",a*b);}\n'
    steps = [Step(argv=["g++", "-O2", "-o", "prog", "main.cpp"], limits=Limits(wall_time_s=60), label="build")]
    steps += [Step(argv=["./prog"], stdin=f"in{i}.txt", label=f"t{i}") for i in range(3)]
    files = {"main.cpp": source, **{f"in{i}.txt": f"{i} 7\n".encode() for i in range(3)}}
    result = backend.run(RunSpec(steps=steps, files=files))
    assert [s.ok for s in result.steps] == [True] * 4, result.steps[0].stderr
    assert [s.stdout for s in result.steps[1:]] == [b"0\n", b"7\n", b"14\n"]


def test_failure_skips_the_rest_unless_told_not_to(backend):
    steps = [Step(argv=["sh", "-c", "echo oops >&2; exit 4"], stop_on_failure=False),
             Step(argv=["sh", "-c", "exit 5"]),
             Step(argv=["echo", "never"])]
    first, second, third = backend.run(RunSpec(steps=steps)).steps
    assert first.exit_code == 4 and first.stderr == b"oops\n" and not first.ok
    assert second.exit_code == 5 and not second.skipped
    assert third.skipped and third.exit_code is None and third.stdout == b""


def test_per_step_limits(backend):
    steps = [Step(argv=["sh", "-c", "sleep 5"], limits=Limits(wall_time_s=0.5), stop_on_failure=False),
             Step(argv=["sh", "-c", "sleep 0.2; echo done"], limits=Limits(wall_time_s=5))]
    slow, fine = backend.run(RunSpec(steps=steps)).steps
    assert slow.timed_out and 0.4 < slow.wall_time_s < 2.5
    assert fine.ok and fine.stdout == b"done\n"


def test_missing_program_and_crash(backend):
    steps = [Step(argv=["./nope"], stop_on_failure=False), Step(argv=["sh", "-c", "kill -SEGV $$"])]
    missing, crash = backend.run(RunSpec(steps=steps)).steps
    assert missing.exit_code == 127 and b"nope" in missing.stderr
    assert crash.exit_code is None and crash.signal == 11
    assert not (crash.timed_out or crash.memory_exceeded or crash.output_exceeded)


def test_environment_is_scrubbed_and_candidate_unprivileged(backend, monkeypatch):
    monkeypatch.setenv("MAXCODE_TEST_SECRET", "hunter2")
    result = backend.run(RunSpec(steps=[Step(argv=["sh", "-c", "env; id -u"])], env={"EXTRA": "1"}))
    out = result.steps[0].stdout.decode()
    assert "hunter2" not in out and "EXTRA=1" in out and "HOME=" in out
    if os.geteuid() == 0:
        assert out.strip().splitlines()[-1] != "0"


def test_stderr_is_capped(backend):
    step = backend.run(RunSpec(steps=[Step(argv=["sh", "-c", "head -c 300000 /dev/zero | tr '\\0' e >&2"])])).steps[0]
    assert step.ok and len(step.stderr) == 64 * 1024


def test_toolchain_id_is_stable(backend):
    assert backend.toolchain_id("cpp") == backend.toolchain_id("cpp") != ""


def test_static_binary_runs(backend):
    result = backend.run(RunSpec(steps=[Step(argv=["./list_procs"])], files={"list_procs": program("list_procs")},
                                 executables=frozenset({"list_procs"})))
    assert result.steps[0].ok and b"list_procs" in result.steps[0].stdout


def test_concurrent_runs_do_not_interfere(backend):
    """Two judge workers share one backend: each run sees only its own workspace, and a
    step that kills everything it may (as the candidate) cannot touch the other run."""
    results: dict[int, list] = {}

    def worker(n: int) -> None:
        out = []
        for i in range(4):
            steps = [Step(argv=["sh", "-c", "kill -9 -1; cat mine.txt; sleep 0.1; cat mine.txt"])]
            out.append(backend.run(RunSpec(steps=steps, files={"mine.txt": f"{n}-{i}\n".encode()})).steps[0])
        results[n] = out

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, steps in results.items():
        for i, step in enumerate(steps):
            assert step.stdout == f"{n}-{i}\n{n}-{i}\n".encode(), step
