"""A warm interpreter that forks steps for `mcrun` (the runner's `warm` steps).

    python3 [FLAGS] zygote.py SOCKET MODULE[:FUNCTION][,MODULE[:FUNCTION]...]

Started by mcrun as root, once per container and per (interpreter, flags, modules,
environment), it imports MODULES (torch: ~0.9 s of every worker process), calls each
FUNCTION named (a probe whose answer the module caches in memory), and then serves
requests on SOCKET, a path in the runner's root-only directory, one at a time. A request
is text (the plan's own line format) plus three descriptors (stdin, stdout, stderr) passed
with SCM_RIGHTS:

    uid N | mem BYTES | cpu_s N | fsize BYTES | nproc N | cwd PATH | arg TEXT (repeated)

For each, the zygote forks; the child does what mcrun does to a step it executes (own
session, OOM score, rlimits, the descriptors as 0/1/2 and no other, the candidate uid with
no groups) and then runs `arg`s as `python SCRIPT ARGS` would, in `__main__`. The zygote
answers `pid N` at once and `done STATUS UTIME_NS STIME_NS MAXRSS_KB` when the child has
been reaped (STATUS: the raw wait status).

Why a child of this process is still a fresh process for the judge: nothing but the
listed modules ever ran here (no tensor, no thread pool: OpenMP and the allocator start
in each child), and the child is a copy-on-write image the candidate cannot write back.
Why it cannot reach the zygote: the zygote runs as root, so the candidate uid can neither
ptrace nor signal it; the socket lives in a directory only root can enter; and the child
keeps no descriptor of the zygote's.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import os
import resource
import runpy
import socket
import sys
import threading
import traceback

MAX_REQUEST = 1 << 16
NUMBERS = ("uid", "mem", "cpu_s", "fsize", "nproc")
# The lowest candidate uid (maxcode.sandbox.runner.protocol.CANDIDATE_UID; this file imports nothing
# of MaxCode's). Only root can reach the socket, but a request for root, a system uid or a
# uid that owns files of the image would hand the step more than a candidate may have:
# refused, whoever asks.
MIN_UID = 1000


def _parse(text: str) -> dict:
    req: dict = {"arg": []}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "arg":
            req["arg"].append(value)
        elif key in NUMBERS:
            req[key] = int(value)
        elif key == "cwd":
            req["cwd"] = value
    return req


def _child(req: dict, fds: list[int], listener: socket.socket, conn: socket.socket) -> None:
    """Becomes the step (never returns)."""
    try:
        listener.close()
        conn.close()
        os.setsid()
        with open("/proc/self/oom_score_adj", "w") as adj:  # the OOM killer takes the step
            adj.write("1000")
        for fd, target in zip(fds, (0, 1, 2), strict=True):
            os.dup2(fd, target)
        os.closerange(3, 1 << 16)
        resource.setrlimit(resource.RLIMIT_AS, (req["mem"], req["mem"]))
        # Hard limit a second above the soft one, as mcrun: SIGXCPU first, not a bare SIGKILL.
        resource.setrlimit(resource.RLIMIT_CPU, (req["cpu_s"], req["cpu_s"] + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (req["fsize"], req["fsize"]))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.chdir(req["cwd"])
        os.setgroups([])
        os.setgid(req["uid"])
        os.setuid(req["uid"])
        resource.setrlimit(resource.RLIMIT_NPROC, (req["nproc"], req["nproc"]))
        sys.argv = list(req["arg"])
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
            code = 0
            # What the interpreter does at a normal exit: wait for threads, run atexit hooks.
            threading._shutdown()  # type: ignore[attr-defined]
            atexit._run_exitfuncs()
        except SystemExit as exit_:  # as the interpreter would: an int, None, or a message
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
            if code and not isinstance(exit_.code, int):
                print(exit_.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
            code = 1
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
    except BaseException:
        try:
            traceback.print_exc()
        finally:
            os._exit(126)
    os._exit(code & 0xFF)


def _serve(listener: socket.socket) -> None:
    while True:
        conn, _ = listener.accept()
        with conn:
            try:
                _handle(conn, listener)
            except (OSError, ValueError) as error:
                # One request gone wrong (a runner that died, a fork refused under the pids
                # cap) must not take the zygote down: the runner runs that step cold.
                with contextlib.suppress(OSError):
                    conn.sendall(f"error {type(error).__name__}\n".encode())


def _handle(conn: socket.socket, listener: socket.socket) -> None:
    fds = array.array("i")
    try:
        msg, ancdata, _, _ = conn.recvmsg(MAX_REQUEST, socket.CMSG_SPACE(3 * fds.itemsize))
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        req = _parse(msg.decode())
        if len(fds) != 3 or not req["arg"] or any(k not in req for k in (*NUMBERS, "cwd")):
            raise ValueError("bad request")
        if req["uid"] < MIN_UID:
            raise ValueError(f"uid {req['uid']} is below the candidate range")
        pid = os.fork()
        if pid == 0:
            _child(req, list(fds), listener, conn)
    finally:
        for fd in fds:
            os.close(fd)
    with contextlib.suppress(OSError):  # the runner is gone; the child is still reaped below
        conn.sendall(f"pid {pid}\n".encode())
    _, status, usage = os.wait4(pid, 0)
    utime, stime = int(usage.ru_utime * 1e9), int(usage.ru_stime * 1e9)
    with contextlib.suppress(OSError):
        conn.sendall(f"done {status} {utime} {stime} {usage.ru_maxrss}\n".encode())


def _warm(entry: str) -> None:
    """`module` is imported; `module:function` is imported and the function called once, with
    no arguments: for a cached probe every child would otherwise repeat (its result, cached in
    memory, is inherited by the fork)."""
    name, _, function = entry.partition(":")
    __import__(name)
    if function:
        getattr(sys.modules[name], function)()


def main() -> None:
    path, modules = sys.argv[1], sys.argv[2]
    for entry in filter(None, modules.split(",")):
        _warm(entry)
    # Anything buffered now would be written again by every child.
    sys.stdout.flush()
    sys.stderr.flush()
    os.umask(0o077)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):  # left by a zygote that died starting
        os.unlink(path + ".new")
    listener.bind(path + ".new")
    listener.listen(1)
    # Renamed into place only once the modules are in: a runner that can connect is served.
    os.rename(path + ".new", path)
    _serve(listener)


if __name__ == "__main__":
    main()
