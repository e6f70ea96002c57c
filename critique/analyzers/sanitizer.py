"""Re-run a crashing C++ candidate under AddressSanitizer + UndefinedBehaviorSanitizer.

A plain crash says "SIGSEGV"; the sanitizers say "heap-buffer-overflow, READ of 4 bytes at
main.cpp:17". The re-run goes through the sandbox `Backend` (never on the host directly),
on the input of the test that crashed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from maxcode.benchmarks.task import Task
from maxcode.records.diagnosis import Finding
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.run_spec import Limits, RunSpec, Step

log = logging.getLogger(__name__)

SOURCE_NAME = "main.cpp"
BINARY_NAME = "prog_sanitized"
COMPILE_ARGV = [
    "g++", "-std=c++17", "-O1", "-g", "-fno-omit-frame-pointer",
    "-fsanitize=address,undefined",
    # Stop at the first UB report so it is the one that explains the crash.
    "-fno-sanitize-recover=undefined",
    SOURCE_NAME, "-o", BINARY_NAME,
]  # fmt: skip
SANITIZER_ENV = {
    # LeakSanitizer needs ptrace, which sandboxes forbid, and a leak is not the crash.
    "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:symbolize=1:detect_stack_use_after_return=0",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}
# ASan reserves ~16 TiB of shadow address space up front, so an address-space limit
# (RLIMIT_AS) sized for the program would make it fail before main(); the wall limit
# still bounds the run.
SANITIZER_ADDRESS_SPACE_BYTES = 1 << 46

_ASAN_ERROR = re.compile(r"ERROR: AddressSanitizer: (?P<kind>[\w-]+)(?P<rest>.*)")
_ACCESS = re.compile(r"^(?P<op>READ|WRITE) of size (?P<size>\d+)", re.MULTILINE)
_FRAME = re.compile(
    r"^\s*#(?P<n>\d+) 0x[0-9a-f]+ in (?P<fn>.+?) (?P<file>[^\s:()]+):(?P<line>\d+)(?::(?P<col>\d+))?\s*$",
    re.MULTILINE,
)
_UBSAN = re.compile(
    r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): runtime error: (?P<msg>.+)$", re.MULTILINE
)
_CAUSE = re.compile(r"The signal is caused by a (?P<op>\w+) memory access")
_LOCATED = re.compile(r"^(?P<what>0x[0-9a-f]+ is located .+)$", re.MULTILINE)


@dataclass
class SanitizerReport:
    """What the sanitized re-run found."""

    ran: bool
    """False when the re-run could not be made (no input, compile failure, ...)."""
    kind: str = ""
    """`heap-buffer-overflow`, `SEGV`, `stack-overflow`, `undefined-behavior`, ... or ``."""
    message: str = ""
    """The sanitizer's one-line description (access size, UB message)."""
    file: str = ""
    line: int | None = None
    column: int | None = None
    function: str = ""
    source_line: str = ""
    """The candidate's line at the fault."""
    located: str = ""
    """ASan's `... is located N bytes to the right of M-byte region` sentence."""
    frames: list[str] = field(default_factory=list)
    """Top frames in the candidate, `fn at file:line`."""
    note: str = ""
    """Why nothing was found, when `kind` is empty."""


def parse_sanitizer_log(
    log_text: str, candidate_source: str, source_name: str = SOURCE_NAME
) -> SanitizerReport:
    """Turn ASan/UBSan stderr into a report pointing at the candidate's source line."""
    source_lines = candidate_source.splitlines()
    report = SanitizerReport(ran=True)
    ubsan = _UBSAN.search(log_text)
    asan = _ASAN_ERROR.search(log_text)
    if ubsan and (not asan or ubsan.start() < asan.start()):
        report.kind = "undefined-behavior"
        report.message = ubsan.group("msg").strip()
        report.file = ubsan.group("file")
        report.line = int(ubsan.group("line"))
        report.column = int(ubsan.group("col"))
    elif asan:
        report.kind = asan.group("kind")
        access = _ACCESS.search(log_text, asan.end())
        rest = asan.group("rest").strip()
        cause = _CAUSE.search(log_text, asan.end())
        if access:
            report.message = f"{access.group('op')} of size {access.group('size')}"
        elif cause:
            report.message = f"{cause.group('op')} access {rest.split('(')[0].strip()}"
        else:
            report.message = rest[:200]
        located = _LOCATED.search(log_text)
        report.located = located.group("what").strip() if located else ""
    else:
        report.note = "the sanitized run reported no error"
        return report
    ours = [m for m in _FRAME.finditer(log_text) if Path(m.group("file")).name == source_name]
    report.frames = [f"{m.group('fn')} at {source_name}:{m.group('line')}" for m in ours[:4]]
    if report.line is None and ours:
        first = ours[0]
        report.file = first.group("file")
        report.line = int(first.group("line"))
        report.column = int(first.group("col")) if first.group("col") else None
    if ours:
        report.function = ours[0].group("fn")
    if report.line and 0 < report.line <= len(source_lines):
        report.source_line = source_lines[report.line - 1].strip()
    return report


def find_test_input(task: Task, test_name: str | None) -> str | None:
    """Host path of the input of `test_name` (`3`, `input.3.txt` or a path ending in it)."""
    if not test_name:
        return None
    for case in task.tests:
        if test_name in (case.name, Path(case.input_path).name, case.input_path):
            return case.input_path
        if Path(test_name).name == Path(case.input_path).name:
            return case.input_path
    return None


def rerun_with_sanitizers(
    backend: Backend,
    candidate_source: str,
    input_path: str | None,
    *,
    image: str = "cpp",
    compile_timeout_s: float = 60.0,
    run_timeout_s: float = 30.0,
) -> SanitizerReport:
    """Compile with -fsanitize=address,undefined and run on `input_path`, in the sandbox."""
    files: dict[str, bytes | Path] = {SOURCE_NAME: candidate_source.encode()}
    run_step = Step(
        argv=[f"./{BINARY_NAME}"],
        stdin="input.txt" if input_path else None,
        stdout="stdout.txt",
        limits=Limits(wall_time_s=run_timeout_s, memory_bytes=SANITIZER_ADDRESS_SPACE_BYTES),
        label="sanitized-run",
        stop_on_failure=False,
    )
    if input_path:
        files["input.txt"] = Path(input_path)
    spec = RunSpec(
        steps=[
            Step(
                argv=COMPILE_ARGV,
                limits=Limits(wall_time_s=compile_timeout_s, memory_bytes=4 << 30),
                label="sanitized-compile",
            ),
            run_step,
        ],
        files=files,
        image=image,
        env=dict(SANITIZER_ENV),
    )
    result = backend.run(spec)
    compiled, ran = result.steps[0], result.steps[1]
    if not compiled.ok:
        stderr = compiled.stderr.decode(errors="replace")
        log.warning("sanitizer build failed: %s", stderr[-500:])
        return SanitizerReport(ran=False, note=f"the sanitizer build failed: {stderr[-300:]}")
    if ran.skipped:
        return SanitizerReport(ran=False, note="the sanitized run was skipped")
    report = parse_sanitizer_log(ran.stderr.decode(errors="replace"), candidate_source)
    if not report.kind and ran.timed_out:
        report.note = "the sanitized run timed out before any report"
    elif not report.kind and ran.ok:
        report.note = "the sanitized build ran cleanly: the crash may depend on optimization level or uninitialized memory"
    return report


def analyze_sanitizer_report(report: SanitizerReport) -> list[Finding]:
    """One finding: the sanitizer's verdict and the candidate line it points at."""
    if not report.ran or not report.kind:
        return [
            Finding(
                analyzer="sanitizer",
                summary=f"ASan/UBSan re-run: {report.note}.",
                data={"ran": report.ran, "kind": report.kind, "note": report.note},
            )
        ]
    where = f"{SOURCE_NAME}:{report.line}" if report.line else "an unknown line"
    inside = f" in {report.function}" if report.function else ""
    code = f" — `{report.source_line[:160]}`" if report.source_line else ""
    detail = f" ({report.message})" if report.message else ""
    summary = f"AddressSanitizer/UBSan re-run: {report.kind}{detail} at {where}{inside}{code}."
    if report.located:
        summary += f" {report.located[:200]}."
    return [
        Finding(
            analyzer="sanitizer",
            summary=summary,
            data={
                "kind": report.kind,
                "message": report.message,
                "line": report.line,
                "column": report.column,
                "function": report.function,
                "source_line": report.source_line,
                "located": report.located,
                "frames": report.frames,
            },
        )
    ]
