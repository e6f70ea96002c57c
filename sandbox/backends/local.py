"""The local backend: the runner on this host, inside bubblewrap when it is available.

With bwrap (and root) every run gets new mount, pid, network, ipc and uts namespaces: only
the system directories are visible (read-only), the workspace is the one writable place,
there is no network, and when the runner exits every process of the run dies with the
pid namespace. The runner drops candidates to an unprivileged uid, so they cannot forge
its result file. Without bwrap the runner still applies rlimits, its own process group
and the hard kill, and `isolation` says plainly that the file system and network are
shared with the host.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from maxcode.sandbox.backends.workspace import populate
from maxcode.sandbox.run_spec import RunResult, RunSpec
from maxcode.sandbox.runner.protocol import (
    CANDIDATE_UID,
    build_host_runner,
    parse_results,
    write_plan,
)
from maxcode.sandbox.timing.lease import shared_cpu

log = logging.getLogger(__name__)

# Host directories a candidate may read: the toolchain and the system's shared files.
# /etc is limited to what compilers and dynamic linking need (no passwd-style secrets).
_SYSTEM_RO = ("/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
              "/etc/ld.so.conf.d", "/etc/localtime")
_SYMLINKS = (("usr/lib", "/lib"), ("usr/lib64", "/lib64"), ("usr/bin", "/bin"),
             ("usr/sbin", "/sbin"))


def _default_cache_dir() -> Path:
    return Path(os.environ.get("MAXCODE_CACHE_DIR", Path.home() / ".cache" / "maxcode"))


def python_dirs() -> list[str]:
    """Directories the interpreter running MaxCode needs, to run as itself in a sandbox.

    A virtualenv's `bin/python3` is a symlink into another installation (pyenv, uv, the
    system's) and finds its packages through `pyvenv.cfg` beside it: the venv (`sys.prefix`),
    the installation it was made from (`sys.base_prefix`) and the directory the symlink
    resolves to must all be visible at their own paths. A conda env is its own prefix.
    Package directories outside them (the user site, a `--system-site-packages` base) come
    from `sys.path`, but only site-/dist-packages ones: never the working directory or a
    source checkout on `sys.path`, which may hold the problem files.
    """
    real = Path(os.path.realpath(sys.executable))
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(real.parent)}
    # The installation a symlinked interpreter belongs to: `<install>/bin/python3`.
    if real.parent.name == "bin":
        dirs.add(str(real.parent.parent))
    prefixes = tuple(d for d in dirs if d)
    for entry in sys.path:
        if entry.startswith(prefixes) or Path(entry).name in ("site-packages", "dist-packages"):
            dirs.add(entry)
    return sorted(os.path.abspath(d) for d in dirs if d and os.path.isdir(d))


def python_bin_dirs() -> list[str]:
    """`bin` directories of the interpreter (the venv's, then its base's): tools that packages
    install there (ninja for load_inline builds) must be on the sandbox's PATH."""
    real = Path(os.path.realpath(sys.executable)).parent
    ordered = [os.path.join(sys.prefix, "bin"), os.path.join(sys.base_prefix, "bin"), str(real)]
    return [d for i, d in enumerate(ordered) if d not in ordered[:i] and os.path.isdir(d)]


class LocalBackend:
    """Runs steps on this host in a fresh temporary workspace."""

    name = "local"

    def __init__(
        self,
        use_bwrap: str = "auto",
        cache_dir: str | None = None,
        ro_binds: list[str] | tuple[str, ...] = (),
        candidate_uid: int = CANDIDATE_UID,
        grace_s: float = 5.0,
    ) -> None:
        """use_bwrap: `auto` (when installed and usable), `always` or `never`."""
        self.runner = build_host_runner(Path(cache_dir) if cache_dir else _default_cache_dir() / "runner")
        self.root = os.geteuid() == 0
        # As root every run gets a candidate uid of its own (below); otherwise candidates run
        # as the user, beside the user's other processes.
        self.dedicated_uid = self.root
        self.uid = candidate_uid if self.root else None
        # Concurrent runs get distinct candidate uids: the runner's kill sweep (kill(-1) as
        # the candidate) and RLIMIT_NPROC are per uid, and without a pid namespace they
        # would reach the other run's processes.
        self._free_uids = list(range(candidate_uid, candidate_uid + 64)) if self.root else []
        self._uid_lock = threading.Lock()
        self.grace_s = grace_s
        bwrap = shutil.which("bwrap")
        if use_bwrap == "always" and not (bwrap and self.root):
            from maxcode.records.errors import BackendUnavailable

            raise BackendUnavailable(
                "sandbox=local with use_bwrap=always needs bubblewrap and root",
                "apt-get install -y bubblewrap, run as root, or set sandbox.use_bwrap=auto",
            )
        self.bwrap = bwrap if use_bwrap != "never" and self.root else None
        # The interpreter that runs kernel candidates locally, and its packages.
        self.ro_binds = sorted({*ro_binds, *python_dirs()})
        if self.bwrap:
            self.isolation = (
                "local: bubblewrap namespaces (no network, private pid/ipc, read-only system, "
                f"workspace only writable), uid {candidate_uid}, rlimits"
            )
        else:
            self.isolation = (
                "local: rlimits and process-group kill only; candidates share the host file "
                "system and network (install bubblewrap and run as root for isolation)"
            )
            log.warning("sandbox isolation is weak: %s", self.isolation)

    def toolchain_id(self, image: str) -> str:
        versions = []
        for tool in (["g++", "--version"], [sys.executable, "--version"]):
            try:
                versions.append(subprocess.run(tool, capture_output=True, text=True).stdout.splitlines()[0])
            except (OSError, IndexError):
                versions.append("missing")
        return f"local:{image}:" + "|".join(versions)

    def close(self) -> None:
        pass

    def _take_uid(self) -> int | None:
        with self._uid_lock:
            return self._free_uids.pop(0) if self._free_uids else self.uid

    def _give_uid(self, uid: int | None) -> None:
        with self._uid_lock:
            if uid is not None and uid not in self._free_uids:
                self._free_uids.append(uid)

    def _command(self, work: Path, results: Path, uid: int | None) -> list[str]:
        # The plan lives with the results (root-only), so a candidate cannot read it.
        if not self.bwrap:
            tail = [str(self.runner), str(results / "plan"), str(results)]
            return tail + ([str(uid)] if uid is not None else [])
        cmd = [self.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
               "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--dir", "/run",
               # The run's own IPC namespace's message queues, visible so they can be emptied.
               "--mqueue", "/dev/mqueue"]
        # Parents of binds are made 0755 first: bwrap would create them 0700 (root only).
        binds = [p for p in _SYSTEM_RO if os.path.exists(p)]
        # Under /usr is bound already; the rest (a venv in /tmp included) is bound over the
        # private /tmp at its own path. Nested directories are covered by their parent.
        extra = [p for p in self.ro_binds if os.path.isdir(p) and not _under(p, "/usr")]
        binds += [p for p in extra if not any(q != p and _under(p, q) for q in extra)]
        parents = sorted({str(q) for p in binds for q in Path(p).parents if str(q) not in ("/", "/tmp")})
        for parent in parents:
            cmd += ["--perms", "0755", "--dir", parent]
        for path in binds:
            cmd += ["--ro-bind", path, path]
        for target, link in _SYMLINKS:
            cmd += ["--symlink", target, link]
        cmd += ["--bind", str(work), "/work", "--bind", str(results), "/run/mcrun",
                "--ro-bind", str(self.runner), "/run/mcrun-bin", "--chdir", "/work",
                "--cap-drop", "ALL"]
        # The runner needs these to drop candidates to their uid and to kill what they leave.
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN"):
            cmd += ["--cap-add", cap]
        return cmd + ["/run/mcrun-bin", "/run/mcrun/plan", "/run/mcrun", str(uid)]

    @shared_cpu  # builds and checks may overlap; a timing stage has the CPU to itself
    def run(self, spec: RunSpec) -> RunResult:
        started = time.monotonic()
        uid = self._take_uid()
        try:
            return self._run(spec, uid, started)
        finally:
            self._give_uid(uid)

    def _run(self, spec: RunSpec, uid: int | None, started: float) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="maxcode-run-") as tmp:
            # Without bwrap the candidate uid reaches its workspace through this directory:
            # it may pass through (x) but not list it; `results` stays root-only.
            os.chmod(tmp, 0o711)
            work, results = Path(tmp, "work"), Path(tmp, "results")
            work.mkdir()
            results.mkdir(mode=0o700)
            populate(work, spec, uid)
            # With bwrap, /tmp, /dev/shm and the message queues are this run's own: emptied
            # after every fresh step. Without it they are the host's, shared with everything.
            scrub = ("/tmp", "/dev/shm", "/dev/mqueue") if self.bwrap else ()
            (results / "plan").write_text(write_plan(spec, scrub=scrub))
            env = {"PATH": ":".join([*python_bin_dirs(), "/usr/local/bin", "/usr/bin", "/bin"]), "HOME": "/work" if self.bwrap else str(work),
                   "LANG": "C.UTF-8", "TMPDIR": "/tmp", **spec.env}
            deadline = sum(s.limits.wall_time_s for s in spec.steps) + self.grace_s + len(spec.steps) * 0.5
            proc = subprocess.Popen(self._command(work, results, uid), cwd=work, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True)
            try:
                _, runner_err = proc.communicate(timeout=deadline)
            except subprocess.TimeoutExpired:
                # The runner enforces every limit itself; reaching this means it was stuck.
                os.killpg(proc.pid, signal.SIGKILL)
                _, runner_err = proc.communicate()
                log.error("sandbox runner overran its deadline of %.1f s and was killed", deadline)
            finally:
                if not self.bwrap and uid is not None:
                    _kill_uid(uid)
            if proc.returncode not in (0, None):
                log.warning("sandbox runner exited %s: %s", proc.returncode, runner_err.decode(errors="replace")[-2000:])
            streams = {p.name: p.read_bytes() for p in results.iterdir() if p.is_file()}
        steps = parse_results(spec, streams.pop("result", b"").decode(), streams)
        files = {path: streams[f"collect.{k}"] for k, path in enumerate(spec.collect) if f"collect.{k}" in streams}
        return RunResult(steps=steps, files=files, backend=self.name, isolation=self.isolation,
                         host_time_s=time.monotonic() - started)


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _kill_uid(uid: int) -> None:
    """Without a pid namespace, stragglers of the candidate uid are found and killed here."""
    for _ in range(3):
        found = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)
                    found = True
            except (OSError, ProcessLookupError):
                continue
        if not found:
            return
