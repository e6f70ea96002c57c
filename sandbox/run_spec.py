"""What one sandbox run is: a `RunSpec` in, a `RunResult` out, and `Sandbox`, anything that
turns the one into the other (every backend; `Backend` in backends/base.py adds what the
project asks of a backend besides).

A `RunSpec` is a fresh workspace (files copied in, or sealed: root's and read-only), a list of `Step`s run one after the
other inside it by the in-sandbox runner, and the workspace paths to bring back. Each step
has its own limits, so "compile, then run every test" or "A B A B timing rounds" are one
call with no host round-trip between steps. Times are measured by the runner inside the
sandbox around the candidate process alone, so backend overhead never enters a timing.
Results are written by the runner where the candidate cannot reach them.

It sits below backends/, runner/ and timing/: the backends drive the runner and take the
timing lease, the runner's plan and result files speak of these types, and timers run
their rounds through a `Sandbox`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

GiB = 1 << 30
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per-step resource limits; exceeding one ends the step with a flag set."""

    wall_time_s: float = 10.0
    """Wall-clock limit; the whole process group is killed (SIGKILL) when it passes."""
    cpu_time_s: float | None = None
    """CPU-time limit (RLIMIT_CPU); None means the wall limit, rounded up."""
    memory_bytes: int = 2 * GiB
    """Address-space limit per process (RLIMIT_AS) and memory cap of the sandbox."""
    max_processes: int = 64
    """Processes/threads the step may have at once (RLIMIT_NPROC, pids cgroup)."""
    output_bytes: int = 64 * MiB
    """Largest file the step may write, stdout included (RLIMIT_FSIZE)."""


@dataclass(frozen=True)
class Step:
    """One process run in the workspace."""

    argv: list[str]
    """Command; relative paths are relative to the workspace (e.g. `./prog`)."""
    stdin: str | None = None
    """Workspace-relative file fed to stdin; None gives /dev/null."""
    stdout: str | None = None
    """Workspace-relative file that receives stdout; None keeps it in `StepResult.stdout`."""
    limits: Limits = field(default_factory=Limits)
    label: str = ""
    """Free text echoed back in the result (e.g. `A/input.3.txt`)."""
    stop_on_failure: bool = True
    """Skip the remaining steps when this one does not exit 0 cleanly."""
    warm: str = ""
    """Comma-separated Python modules. When set, argv is `python [-FLAGS] SCRIPT ARGS`, and a
    backend that can (docker) forks the step from an interpreter that has imported these
    already (`sandbox/runner/zygote.py`) instead of starting one; the others run it as is."""
    fresh: bool = False
    """Run in a fresh, empty scratch directory (`SCRATCH`, the step's cwd; stdin is still a
    workspace path), and afterwards empty it, the sandbox's /tmp and /dev/shm and the
    candidate's SysV IPC objects: nothing one step leaves reaches another."""
    links: tuple[tuple[str, str], ...] = ()
    """(workspace file, name) pairs hard-linked into a fresh step's scratch before it runs,
    so every program of a comparison runs as the same `./NAME` in the same place."""
    save: str | None = None
    """A fresh step's scratch file returned in `StepResult.saved` (copied out before the
    scratch is emptied)."""
    discard_stdout: bool = False
    """Keep only `StepResult.stdout_digest` of the captured stdout (timing rounds)."""


@dataclass(frozen=True)
class RunSpec:
    """A fresh workspace, the steps to run in it, and what to bring back."""

    steps: list[Step]
    files: dict[str, bytes | Path] = field(default_factory=dict)
    """Workspace-relative path -> content, or a host file to copy in."""
    executables: frozenset[str] = frozenset()
    """Paths among `files` that get the executable bit."""
    collect: list[str] = field(default_factory=list)
    """Workspace-relative files returned in `RunResult.files` (missing ones are skipped)."""
    image: str = "cpp"
    """Image (toolchain) the steps need: `cpp` or `kernel-cpu`; `local` uses the host's."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment; the base environment is scrubbed (PATH, HOME, LANG only)."""
    sealed: bool = False
    """The files and every workspace directory (the workspace itself included) belong to root
    and are read-only, the directories unlistable (0711): a step opens what it is told of
    and can list, change, replace or add nothing. Steps that write need `fresh`."""


@dataclass
class StepResult:
    """What the runner measured for one step."""

    label: str
    exit_code: int | None
    """Exit status, None when killed by a signal or skipped."""
    signal: int | None = None
    """Terminating signal number, if any."""
    timed_out: bool = False
    memory_exceeded: bool = False
    """An allocation hit the memory limit (OOM kill or failed allocation detected)."""
    output_exceeded: bool = False
    """A write passed `output_bytes` (SIGXFSZ)."""
    skipped: bool = False
    """Not run because an earlier step failed."""
    wall_time_s: float = 0.0
    """Fork-to-reap time of the process, measured inside the sandbox."""
    cpu_time_s: float = 0.0
    """User + system time of the process and its reaped children."""
    peak_memory_bytes: int = 0
    """Max resident set size."""
    stdout: bytes = b""
    """Captured stdout (only when `Step.stdout` is None; capped at `output_bytes`)."""
    stderr: bytes = b""
    """Captured stderr (capped at 64 KiB)."""
    stdout_digest: str | None = None
    """FNV-1a 64 of the captured stdout, taken by the runner (None when `Step.stdout` is set)."""
    saved: bytes | None = None
    """The file named by `Step.save`, if the step left one."""

    @property
    def ok(self) -> bool:
        return (
            self.exit_code == 0
            and not (self.timed_out or self.memory_exceeded or self.output_exceeded)
            and not self.skipped
        )


@dataclass
class RunResult:
    steps: list[StepResult]
    files: dict[str, bytes] = field(default_factory=dict)
    """Collected workspace files."""
    backend: str = ""
    isolation: str = ""
    """What isolation was in force, in words (shown to users and stored in Evaluations)."""
    host_time_s: float = 0.0
    """Host-side time of the whole call, overhead included."""


@runtime_checkable
class Sandbox(Protocol):
    """Runs steps in an isolated, fresh workspace."""

    name: str

    def run(self, spec: RunSpec) -> RunResult:
        """Run every step of `spec`; never raises for anything the steps do."""
        ...
