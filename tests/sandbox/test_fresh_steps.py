"""Fresh steps in a sealed workspace, on both backends: the runs the C++ judge makes.

Every checked and timed run of a C++ program is `./prog` in an empty scratch of its own,
its binary and inputs root's and read-only (`Step.fresh`, `RunSpec.sealed`). What one run
leaves (files in the cwd, /tmp, /dev/shm, $HOME; SysV shared memory) must not reach the
next; the binary must not change; and two runs of different programs must not be able to
tell themselves apart by their surroundings.
"""

from __future__ import annotations

import hashlib

import pytest
from maxcode.sandbox.run_spec import Limits, RunSpec, Step
from programs.support import KINDS, backend_for, program


@pytest.fixture(scope="module", params=KINDS)
def backend(request: pytest.FixtureRequest):
    b = backend_for(request.param, request)
    yield b
    b.close()


def _fresh(binary: str, label: str = "", **options) -> Step:
    return Step(["./prog"], limits=Limits(wall_time_s=5.0), label=label, fresh=True,
                links=((binary, "prog"),), **options)


def test_nothing_a_fresh_step_leaves_reaches_the_next(backend) -> None:
    spec = RunSpec(steps=[_fresh("bin/t"), _fresh("bin/t")], files={"bin/t": program("leave_traces")},
                   executables=frozenset({"bin/t"}), sealed=True)
    first, second = backend.run(spec).steps
    assert first.ok and second.ok, (first.stderr, second.stderr)
    left = first.stdout.decode()
    # The traces were really left (else the test proves nothing) and none was found again.
    # (bubblewrap's /dev/shm is not writable: no trace can be left there under local.)
    places = ("left .", "left /tmp", "left shm") + (("left /dev/shm",) if backend.name == "docker" else ())
    for place in places:
        assert place in left, left
    assert "found" not in second.stdout.decode(), second.stdout


def test_the_same_program_without_fresh_steps_finds_its_traces(backend) -> None:
    # The control: the probe does see what an earlier step left when steps share a place.
    step = Step(["./t"], limits=Limits(wall_time_s=5.0))
    spec = RunSpec(steps=[step, step], files={"t": program("leave_traces")}, executables=frozenset({"t"}))
    second = backend.run(spec).steps[1]
    assert "found /tmp" in second.stdout.decode() and "found ." in second.stdout.decode(), second.stdout


def test_runs_of_two_programs_look_alike_and_change_nothing(backend) -> None:
    inspect = program("inspect_place")
    files = {"bin/one": inspect, "bin/two": inspect, "in/0.txt": b"1 2\n"}
    steps = [_fresh("bin/one", stdin="in/0.txt"), _fresh("bin/two", stdin="in/0.txt"),
             _fresh("bin/one", stdin="in/0.txt", discard_stdout=True)]
    result = backend.run(RunSpec(steps=steps, files=files, executables=frozenset({"bin/one", "bin/two"}),
                                 sealed=True, collect=["bin/one"]))
    one, two, discarded = result.steps
    assert one.ok and two.ok and discarded.ok, (one.stderr, two.stderr)
    seen = one.stdout.decode()
    assert seen == two.stdout.decode()
    assert "argv0 ./prog" in seen and "cwd /work/run" in seen, seen
    assert "workspace listable 0" in seen and "changed" not in seen, seen
    assert "stdout.cur" in seen  # the same name in every step, not the step's index
    # The runner's digest of what the program printed, and a discarded stdout keeps it.
    assert one.stdout_digest == _fnv(one.stdout) and discarded.stdout_digest == one.stdout_digest
    assert discarded.stdout == b""
    assert hashlib.sha256(result.files["bin/one"]).digest() == hashlib.sha256(inspect.read_bytes()).digest()


def test_a_fresh_step_saves_a_file_from_its_scratch(backend) -> None:
    step = Step(["sh", "-c", "echo counted > count.txt; echo out"], limits=Limits(wall_time_s=5.0),
                fresh=True, save="count.txt")
    result = backend.run(RunSpec(steps=[step, Step(["sh", "-c", "ls run 2>&1 || true"])], sealed=True))
    assert result.steps[0].saved == b"counted\n" and result.steps[0].stdout == b"out\n"
    assert b"count.txt" not in result.steps[1].stdout  # the scratch is gone after the step


def _fnv(data: bytes) -> str:
    h = 14695981039346656037
    for byte in data:
        h = ((h ^ byte) * 1099511628211) % (1 << 64)
    return f"{h:016x}"
