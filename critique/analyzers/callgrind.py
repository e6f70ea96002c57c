"""Where a C++ candidate spends its instructions: callgrind on the largest test.

The profile is taken in the sandbox (`valgrind --tool=callgrind --dump-instr=yes`) and the
`callgrind.out` file is parsed here, so no `callgrind_annotate` is needed on the host.
Costs are *self* instruction counts (Ir): calls' inclusive costs are skipped so a hot
loop is charged to its own line, and inlined code (`fi=`/`fe=`) to the line it came from.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxcode.benchmarks.task import Task
from maxcode.records.diagnosis import Finding
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.run_spec import Limits, RunSpec, Step

log = logging.getLogger(__name__)

SOURCE_NAME = "main.cpp"
PROFILE_NAME = "callgrind.out"
# The judge's flags (PIE: -O3) plus -g, so the profile is of the code that was timed.
COMPILE_ARGV = ["g++", "-std=c++17", "-O3", "-g", SOURCE_NAME, "-o", "prog"]
CALLGRIND_ARGV = [
    "valgrind", "--tool=callgrind", "--dump-instr=yes",
    f"--callgrind-out-file={PROFILE_NAME}", "./prog",
]  # fmt: skip
TOP = 5
# Lines under this share of all instructions are noise, not hot spots.
MIN_LINE_SHARE = 0.01
# libc/libstdc++ functions that do stream I/O, and those that allocate.
IO_FUNCTIONS = (
    "istream",
    "ostream",
    "streambuf",
    "scanf",
    "printf",
    "getc",
    "putc",
    "_IO_",
    "num_get",
    "num_put",
    "fflush",
    "write",
    "read",
    "endl",
    "vfprintf",
    "strto",
)
ALLOC_FUNCTIONS = ("malloc", "free", "operator new", "operator delete", "_int_malloc", "_int_free")

_NAMED = re.compile(r"^(?P<key>fl|fi|fe|fn|cfi|cfl|cfn|ob|cob)=\((?P<id>\d+)\)(?:\s(?P<name>.*))?$")


@dataclass
class CallgrindProfile:
    """Self instruction counts by function and by candidate source line."""

    total: int = 0
    functions: Counter[str] = field(default_factory=Counter)
    """`function` -> self Ir (all objects: libc and libstdc++ costs show I/O or allocation)."""
    lines: Counter[int] = field(default_factory=Counter)
    """Candidate line number -> self Ir (only lines of `main.cpp`)."""
    files: Counter[str] = field(default_factory=Counter)
    """Source file -> self Ir. Shows library code inlined into the candidate (stl_deque.h...)."""
    partial: bool = False
    """True when the run was stopped at the profiling budget: the profile covers its start."""

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "functions": dict(self.functions),
                "lines": {str(k): v for k, v in self.lines.items()}, "files": dict(self.files),
                "partial": self.partial}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallgrindProfile:
        return cls(total=int(data["total"]), functions=Counter(data["functions"]),
                   lines=Counter({int(k): v for k, v in data["lines"].items()}), files=Counter(data["files"]),
                   partial=bool(data["partial"]))


def parse_callgrind(text: str, source_name: str = SOURCE_NAME) -> CallgrindProfile:
    """Parse a callgrind.out file (`positions: instr line` or `line`, first event = Ir)."""
    profile = CallgrindProfile()
    names: dict[tuple[str, str], str] = {}
    positions = ["line"]
    prev = [0, 0]
    fl = fi = fn = ""
    after_calls = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("positions:"):
            positions = line.split()[1:]
            prev = [0] * len(positions)
            continue
        if line.startswith("summary:") or line.startswith("totals:"):
            profile.total = int(line.split()[1])
            continue
        named = _NAMED.match(line)
        if named:
            key, ident, name = named.group("key"), named.group("id"), named.group("name")
            space = "fn" if key in ("fn", "cfn") else "ob" if key in ("ob", "cob") else "fl"
            if name is not None:
                names[(space, ident)] = name
            resolved = names.get((space, ident), "?")
            if key == "fl":
                fl = fi = resolved
            elif key in ("fi", "fe"):
                fi = resolved
            elif key == "fn":
                fn, fi = resolved, fl
            continue
        if line.startswith("calls="):
            after_calls = True
            continue
        if not (line[0].isdigit() or line[0] in "+-*"):
            continue  # other header lines (events:, cmd:, desc:, jump=...)
        parts = line.split()
        if len(parts) < len(positions):
            continue
        for i, tok in enumerate(parts[: len(positions)]):
            if tok == "*":
                continue
            if tok[0] in "+-":
                prev[i] += int(tok, 0)
            else:
                prev[i] = int(tok, 0)
        cost = int(parts[len(positions)]) if len(parts) > len(positions) else 0
        if after_calls:  # inclusive cost of a call: belongs to the callee
            after_calls = False
            continue
        profile.functions[fn] += cost
        profile.files[fi] += cost
        if Path(fi).name == source_name:
            line_no = prev[positions.index("line")] if "line" in positions else 0
            if line_no:
                profile.lines[line_no] += cost
    if not profile.total:
        profile.total = sum(profile.functions.values())
    return profile


def largest_test_input(task: Task) -> str | None:
    """Host path of the biggest test input (by bytes): where the asymptotics show."""
    paths = [case.input_path for case in task.tests if Path(case.input_path).is_file()]
    return max(paths, key=lambda p: Path(p).stat().st_size) if paths else None


def profile_with_callgrind(
    backend: Backend,
    candidate_source: str,
    input_path: str | None,
    *,
    image: str = "cpp",
    timeout_s: float = 120.0,
) -> CallgrindProfile | None:
    """Build with -g and run under callgrind in the sandbox; None when it could not."""
    files: dict[str, bytes | Path] = {SOURCE_NAME: candidate_source.encode()}
    if input_path:
        files["input.txt"] = Path(input_path)
    spec = RunSpec(
        steps=[
            Step(
                argv=COMPILE_ARGV,
                limits=Limits(wall_time_s=60.0, memory_bytes=4 << 30),
                label="profile-compile",
            ),
            Step(
                # valgrind runs the program ~50x slower. At the budget, SIGTERM makes
                # callgrind write what it has: a slow candidate still gets its hot lines.
                argv=["timeout", "-s", "TERM", f"{timeout_s:g}", *CALLGRIND_ARGV],
                stdin="input.txt" if input_path else None,
                stdout="stdout.txt",
                limits=Limits(wall_time_s=timeout_s + 15.0, memory_bytes=8 << 30),
                label="callgrind",
                stop_on_failure=False,
            ),
        ],
        files=files,
        collect=[PROFILE_NAME],
        image=image,
    )
    result = backend.run(spec)
    data = result.files.get(PROFILE_NAME)
    if not data:
        why = result.steps[-1].stderr.decode(errors="replace")[-1500:] if result.steps else ""
        log.warning("callgrind produced no profile: %s", why)
        return None
    profile = parse_callgrind(data.decode(errors="replace"))
    profile.partial = result.steps[-1].exit_code == 124  # timeout(1)'s "time limit hit"
    return profile


def analyze_profile(
    profile: CallgrindProfile, candidate_source: str, test_name: str = ""
) -> list[Finding]:
    """Findings: the hottest functions and the hottest candidate lines, as shares of all Ir."""
    total = max(profile.total, 1)
    source_lines = candidate_source.splitlines()
    hot_fns = [(fn, ir) for fn, ir in profile.functions.most_common(TOP) if ir]
    hot_lines = [
        (ln, ir) for ln, ir in profile.lines.most_common(TOP) if ir / total >= MIN_LINE_SHARE
    ]
    # Library headers whose code was inlined into the candidate's own functions: at -O3 a
    # container's operator[] is charged to stl_deque.h, not to the candidate line using it.
    inlined = [
        (Path(f).name, ir / total)
        for f, ir in profile.files.most_common(8)
        if Path(f).name != SOURCE_NAME and "/include/" in f and ir / total >= 0.05
    ]
    io_share = (
        sum(ir for fn, ir in profile.functions.items() if any(k in fn for k in IO_FUNCTIONS))
        / total
    )
    alloc_share = (
        sum(ir for fn, ir in profile.functions.items() if any(k in fn for k in ALLOC_FUNCTIONS))
        / total
    )
    on = f" on test {test_name}" if test_name else ""
    fn_text = ", ".join(f"{_short(fn)} {ir / total:.0%}" for fn, ir in hot_fns[:3])
    line_text = "; ".join(
        f"line {ln} ({ir / total:.0%}): `{source_lines[ln - 1].strip()[:100] if 0 < ln <= len(source_lines) else '?'}`"
        for ln, ir in hot_lines[:3]
    )
    partial = " (stopped at the profiling budget: first part of the run)" if profile.partial else ""
    summary = f"Callgrind{on}{partial}: {profile.total:,} instructions. Hottest functions (self): {fn_text}."
    if line_text:
        summary += f" Hottest candidate lines: {line_text}."
    if inlined:
        summary += (
            " Inlined library code: "
            + ", ".join(f"{name} {share:.0%}" for name, share in inlined[:3])
            + "."
        )
    summary += f" Library I/O: {io_share:.0%} of instructions; allocation: {alloc_share:.0%}."
    return [
        Finding(
            analyzer="profile",
            summary=summary,
            data={
                "total_instructions": profile.total,
                "io_share": io_share,
                "inlined_headers": [{"file": name, "share": share} for name, share in inlined],
                "alloc_share": alloc_share,
                "hot_functions": [
                    {"function": fn, "instructions": ir, "share": ir / total} for fn, ir in hot_fns
                ],
                "hot_lines": [
                    {
                        "line": ln,
                        "instructions": ir,
                        "share": ir / total,
                        "source_line": source_lines[ln - 1].strip()[:200]
                        if 0 < ln <= len(source_lines)
                        else "",
                    }
                    for ln, ir in hot_lines
                ],
                "test": test_name,
                "partial": profile.partial,
            },
        )
    ]


def _short(function: str) -> str:
    """`std::istream::operator>>(int&)` stays; long template names are cut."""
    return function if len(function) <= 60 else function[:57] + "..."
