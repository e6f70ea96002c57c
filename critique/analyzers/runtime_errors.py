"""Crashes -> findings: which signal or exception, and where the log says it happened.

Reads what the judge recorded (runtime log, error type, exit details). Locating a C++
fault's source line needs a sanitizer re-run: see `maxcode.critique.analyzers.sanitizer`.
"""

from __future__ import annotations

import re
import signal as _signal
from dataclasses import dataclass

from maxcode.records.diagnosis import Finding
from maxcode.records.evaluation import Evaluation

# What each fatal signal usually means in a competitive-programming style C++ program.
SIGNAL_HINTS = {
    "SIGSEGV": "invalid memory access: out-of-bounds index, null/dangling pointer, or stack overflow from deep recursion or a huge local array",
    "SIGFPE": "arithmetic fault: integer division or modulo by zero (or INT_MIN / -1)",
    "SIGABRT": "abort(): an uncaught C++ exception, a failed assert, or heap corruption detected by the allocator",
    "SIGBUS": "misaligned or unmapped memory access",
    "SIGILL": "illegal instruction: usually undefined behaviour (e.g. falling off the end of a non-void function) or unsupported SIMD",
    "SIGKILL": "killed from outside: typically the memory or time limit",
}
EXCEPTION_HINTS = {
    "std::bad_alloc": "an allocation failed: a container sized from a wrong or huge value, or memory use beyond the limit",
    "std::out_of_range": "`.at()` or `substr` with an index past the end",
    "std::length_error": "a container asked to grow past max_size(), often a negative size converted to size_t",
    "std::invalid_argument": "a string-to-number conversion (stoi/stol) got text that is not a number",
}

_SIG_NAME = re.compile(r"\b(SIG[A-Z]{2,6})\b")
_SIG_NUM = re.compile(r"(?:signal|killed by)\s*:?\s*(\d{1,2})\b", re.IGNORECASE)
_SHELL_WORDS = {
    "Segmentation fault": "SIGSEGV",
    "Floating point exception": "SIGFPE",
    "Aborted": "SIGABRT",
    "Bus error": "SIGBUS",
    "Illegal instruction": "SIGILL",
}
_CPP_THROW = re.compile(r"terminate called after throwing an instance of '([^']+)'")
_CPP_WHAT = re.compile(r"^\s*what\(\):\s*(.*)$", re.MULTILINE)
_PY_FRAME = re.compile(
    r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>\S+)', re.MULTILINE
)
_PY_EXC = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)):?\s?(?P<msg>.*)$",
    re.MULTILINE,
)


@dataclass
class CrashFacts:
    """What the logs say about one crash."""

    signal: str | None = None
    """`SIGSEGV`, ... when the process died of a signal."""
    exception: str | None = None
    """`std::bad_alloc`, `RuntimeError`, ... when one was thrown and not caught."""
    message: str = ""
    """The exception's message (`what()` or the Python message)."""
    location: str = ""
    """Last frame `file:line in fn` (Python tracebacks)."""
    code: str = ""
    """The source line of that frame, when the traceback shows it."""


def signal_name(number: int) -> str | None:
    """`11` -> `SIGSEGV`; accepts the negative returncodes of Python's subprocess too."""
    try:
        return _signal.Signals(abs(number)).name
    except ValueError:
        return None


def crash_facts(evaluation: Evaluation) -> CrashFacts:
    """Read the signal/exception out of the evaluation's fields and logs."""
    log = evaluation.runtime_log or ""
    text = f"{evaluation.message}\n{log}"
    facts = CrashFacts()
    raw_signal = evaluation.details.get("signal") if evaluation.details else None
    if isinstance(raw_signal, int):
        facts.signal = signal_name(raw_signal)
    elif isinstance(raw_signal, str) and raw_signal:
        facts.signal = (
            raw_signal
            if raw_signal.startswith("SIG")
            else signal_name(int(raw_signal))
            if raw_signal.isdigit()
            else None
        )
    if facts.signal is None:
        named = _SIG_NAME.search(text)
        number = _SIG_NUM.search(text)
        if named:
            facts.signal = named.group(1)
        elif number:
            facts.signal = signal_name(int(number.group(1)))
        else:
            facts.signal = next((sig for word, sig in _SHELL_WORDS.items() if word in text), None)
    thrown = _CPP_THROW.search(log)
    if thrown:
        facts.exception = thrown.group(1)
        what = _CPP_WHAT.search(log)
        facts.message = what.group(1).strip() if what else ""
        facts.signal = facts.signal or "SIGABRT"
        return facts
    frames = list(_PY_FRAME.finditer(log))
    exceptions = list(_PY_EXC.finditer(log))
    if frames or (evaluation.error_type and exceptions):
        if exceptions:
            last = exceptions[-1]
            facts.exception = last.group("type")
            facts.message = last.group("msg").strip()
        if frames:
            frame = frames[-1]
            facts.location = f"{frame.group('file')}:{frame.group('line')} in {frame.group('fn')}"
            following = log[frame.end() :].splitlines()[1:2]
            facts.code = following[0].strip() if following else ""
    if facts.exception is None and evaluation.error_type:
        facts.exception = evaluation.error_type
    return facts


def analyze_crash(evaluation: Evaluation) -> list[Finding]:
    """One finding naming the crash and what it usually means."""
    facts = crash_facts(evaluation)
    test = f" on test {evaluation.failing_test}" if evaluation.failing_test else ""
    parts: list[str] = []
    if facts.exception:
        parts.append(
            f"uncaught {facts.exception}" + (f" ({facts.message[:200]})" if facts.message else "")
        )
    if facts.signal and not facts.exception:
        parts.append(f"killed by {facts.signal}")
    if not parts:
        parts.append("exited abnormally (no signal or exception could be read from the log)")
    summary = f"The candidate crashed{test}: {', '.join(parts)}."
    if facts.location:
        summary += (
            f" Last frame: {facts.location}"
            + (f" — `{facts.code[:160]}`" if facts.code else "")
            + "."
        )
    hint = EXCEPTION_HINTS.get(facts.exception or "") or SIGNAL_HINTS.get(facts.signal or "")
    if hint:
        summary += f" Usual cause: {hint}."
    return [
        Finding(
            analyzer="runtime",
            summary=summary,
            data={
                "signal": facts.signal,
                "exception": facts.exception,
                "message": facts.message[:500],
                "location": facts.location,
                "code": facts.code[:200],
                "test": evaluation.failing_test,
            },
        )
    ]
