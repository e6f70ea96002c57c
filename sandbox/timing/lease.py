"""The timing lease: exclusive use of the device being measured, machine-wide.

A timing is only as good as the quiet around it. Measured before this existed: a kernel
judged inside `maxcode optimize` with two workers came out 0.8x where alone it was 0.13x,
because the other worker's build ran on the cores being timed. So every sandbox run holds
a *shared* lease on the CPU (builds, correctness runs and critique re-runs may overlap one
another), and a judge's timing stage holds an *exclusive* one: while it is held nothing
else of MaxCode's runs on this machine, in this process or any other (sweeps start many).

Mechanism: `flock(2)` on files under `lease_dir()` (`$MAXCODE_LEASE_DIR`, default
`/tmp/maxcode-leases`). The kernel releases a flock when its holder dies, SIGKILL included,
so a killed judge never leaves the machine locked. Writers are preferred (a timing stage
waits only for the runs already started, not for every run queued behind it): each
acquisition first passes a gate file, which a waiting writer holds until it has the lease.

Re-entrant per thread: a run inside a timing stage (the timing itself is sandbox runs)
finds the exclusive lease held by its own thread and takes nothing. Asking for the
exclusive lease while holding only the shared one is a bug (it would wait on itself) and
raises.

Waits are visible: `waiting()` lists this process's waiting threads (the progress display
shows them) and `waiting_count()` counts waiters machine-wide (a sweep's live table).
`$MAXCODE_LEASE_LOG`, when set, gets one JSON line per held lease (tests use it to prove
that no two timings overlap).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

CPU = "cpu"
SHARED = "shared"
EXCLUSIVE = "exclusive"

_local = threading.local()
_waits_lock = threading.Lock()
_waits: dict[int, Wait] = {}
# Descriptors this process holds leases through. A child forked without exec (a process
# pool) would otherwise keep its parent's lease alive after the parent let it go.
_fds: set[int] = set()


@dataclass(frozen=True)
class Wait:
    """A thread of this process waiting for a lease."""

    devices: tuple[str, ...]
    kind: str
    since: float
    """time.monotonic() when the wait began."""


def lease_dir() -> Path:
    return Path(os.environ.get("MAXCODE_LEASE_DIR") or "/tmp/maxcode-leases")


def enabled() -> bool:
    return os.environ.get("MAXCODE_TIMING_LEASE", "1").lower() not in ("0", "off", "false", "no")


def gpu_device(index: int | None = None) -> str:
    return f"cuda{index or 0}"


def _held() -> dict[str, list[str]]:
    """Device -> stack of kinds this thread holds."""
    if not hasattr(_local, "held"):
        _local.held = {}
    return _local.held


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o1777)  # every user's maxcode shares one machine
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    _fds.add(fd)
    return fd


def _close(fd: int) -> None:
    _fds.discard(fd)
    os.close(fd)  # the last descriptor of the open file releases its flock


def _forget_inherited() -> None:
    """In a forked child: drop the parent's leases (the parent still holds them)."""
    for fd in list(_fds):
        with contextlib.suppress(OSError):
            os.close(fd)
    _fds.clear()
    _local.held = {}
    with _waits_lock:
        _waits.clear()


os.register_at_fork(after_in_child=_forget_inherited)


def _marker(devices: tuple[str, ...], kind: str) -> Path:
    return lease_dir() / "waiting" / f"{os.getpid()}-{threading.get_ident()}-{kind}-{'+'.join(devices)}"


def _acquire(gate: int, lock: int, kind: str, on_wait: Callable[[], None]) -> None:
    """Pass the gate, take the lock, open the gate again. A writer waiting for the lock
    holds the gate meanwhile, so readers that come later queue behind it."""
    try:
        fcntl.flock(gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        on_wait()
        fcntl.flock(gate, fcntl.LOCK_EX)
    try:
        mode = fcntl.LOCK_EX if kind == EXCLUSIVE else fcntl.LOCK_SH
        try:
            fcntl.flock(lock, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(lock, mode)
    finally:
        fcntl.flock(gate, fcntl.LOCK_UN)


@contextlib.contextmanager
def hold(devices: tuple[str, ...] | str, kind: str) -> Iterator[float]:
    """Hold the lease on `devices` (sorted, so two holders never wait on each other in a
    cycle); yields the seconds spent waiting for it."""
    if isinstance(devices, str):
        devices = (devices,)
    devices = tuple(sorted(set(devices)))
    held = _held()
    needed = []
    for device in devices:
        stack = held.get(device, [])
        if EXCLUSIVE in stack or (kind == SHARED and stack):
            continue  # re-entrant: this thread already has at least what it asks for
        if kind == EXCLUSIVE and stack:
            raise RuntimeError(
                f"exclusive timing lease on {device} requested while this thread holds it shared"
            )
        needed.append(device)
    if not needed or not enabled():
        for device in devices:
            held.setdefault(device, []).append(kind)
        try:
            yield 0.0
        finally:
            for device in devices:
                held[device].pop()
        return
    directory = lease_dir()
    pairs = [(_open(directory / f"{d}.gate"), _open(directory / f"{d}.lock")) for d in needed]
    started = time.monotonic()
    markers: list[Path] = []

    def on_wait() -> None:
        if markers:
            return
        markers.append(_marker(tuple(needed), kind))
        with _waits_lock:
            _waits[threading.get_ident()] = Wait(tuple(needed), kind, started)
        with contextlib.suppress(OSError):
            markers[0].parent.mkdir(parents=True, exist_ok=True)
            markers[0].touch()

    try:
        for gate, lock in pairs:
            _acquire(gate, lock, kind, on_wait)
    except BaseException:
        for gate, lock in pairs:
            _close(gate)
            _close(lock)
        raise
    finally:
        if markers:
            with _waits_lock:
                _waits.pop(threading.get_ident(), None)
            with contextlib.suppress(OSError):
                markers[0].unlink()
    acquired_at = time.monotonic()
    for device in devices:
        held.setdefault(device, []).append(kind)
    try:
        yield acquired_at - started
    finally:
        for device in devices:
            held[device].pop()
        released_at = time.monotonic()
        _log(needed, kind, acquired_at, released_at, acquired_at - started)
        for gate, lock in pairs:
            _close(lock)
            _close(gate)


def shared(*devices: str):
    return hold(devices or (CPU,), SHARED)


def exclusive(*devices: str):
    return hold(devices or (CPU,), EXCLUSIVE)


def timing_devices(device: str) -> tuple[str, ...]:
    """What a timing on `device` must have to itself: the CPU always (it launches GPU work
    and times it), and the GPU when there is one."""
    if device.startswith("cuda"):
        index = device.partition(":")[2]
        return (CPU, gpu_device(int(index) if index else 0))
    return (CPU,)


F = TypeVar("F", bound=Callable)


def shared_cpu(method: F) -> F:
    """Decorator for `Backend.run`: every sandbox run holds the CPU lease shared."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with shared(CPU):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def waiting() -> list[Wait]:
    """Threads of this process waiting for a lease now."""
    with _waits_lock:
        return list(_waits.values())


def waiting_count() -> int:
    """Processes' threads on this machine waiting for a lease now (dead waiters ignored)."""
    count = 0
    folder = lease_dir() / "waiting"
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        pid = name.split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except (ValueError, ProcessLookupError):
            with contextlib.suppress(OSError):
                (folder / name).unlink()
            continue
        except PermissionError:
            pass
        count += 1
    return count


def _log(devices: list[str], kind: str, start: float, end: float, waited: float) -> None:
    path = os.environ.get("MAXCODE_LEASE_LOG")
    if not path:
        return
    line = json.dumps({
        "pid": os.getpid(), "thread": threading.get_ident(), "devices": devices, "kind": kind,
        # CLOCK_MONOTONIC is machine-wide, so intervals of different processes compare.
        "start": start, "end": end, "waited_s": round(waited, 6),
    }) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one short O_APPEND write: lines never interleave
    finally:
        os.close(fd)
