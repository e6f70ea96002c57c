"""What a kernel worker reports (`out/result.json`), read as typed records on the host.

The record is written inside the candidate's process, within its reach. `parse_record` is the
one trust rule for it: every field the host reads is checked here, with the type it is read
as, and a shape the harness never writes raises `MalformedRecord` (the judge rejects the side;
nothing of such a record is read). Past this point the judge reads attributes, never keys.
Claims in a well-formed record are still claims: `call_checks.py` compares its outputs and
digests with the reference's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


class MalformedRecord(ValueError):
    """A worker record in a shape the harness never writes; the message names what."""


@dataclass(frozen=True)
class WorkerError:
    """A failure the worker reported (`kind` maps to a status in `sides.KIND_STATUS`)."""

    kind: str
    message: str
    log: str = ""


@dataclass(frozen=True)
class Trial:
    """One call the worker made."""

    phase: str
    """correctness | timing | count"""
    seed: int
    output: int | None
    """The saved blob of the whole outputs, or None (fingerprinted only)."""
    sample: int | None = None
    """The saved blob of sampled output elements (outputs too large to keep whole)."""
    fingerprint: Any = None
    """Random projections of the outputs; `compare.check_fingerprint` reads them."""
    inputs_before: str | None = None
    inputs_after: str | None = None
    aliases_input: bool = False
    time_s: float | None = None
    """The call, by the worker's clock (timing phases)."""
    trial_s: float | None = None
    """The call and the harness's work around it."""
    counts: dict[str, float] | None = None
    """Metered timed calls: the side's kernel counts per call of its window, by name (page
    faults, context switches, CPU migrations: worker.COUNTS), read by the meter; diagnostics only."""


@dataclass(frozen=True)
class WorkerRecord:
    """One worker process's report."""

    trials: list[Trial]
    offsets: list[tuple[int, int]]
    """[start, size] of each saved blob in `outputs.bin`."""
    error: WorkerError | None = None
    build: dict[str, float] = field(default_factory=dict)
    """Builds, cache hits and build seconds of the candidate's extensions."""
    process_s: float | None = None
    compile_s: float | None = None
    compile_times_s: list[float] | None = None
    """The reference through torch.compile, timed in the same process (`compile_baseline`)."""
    window_overhead_s: float | None = None
    """Metered processes: the meter's time for a window of no calls (its fixed cost)."""
    call_s: float | None = None
    """Metered reference check: one call's time back to back with others (sizes windows)."""
    call_bytes: float | None = None
    """Metered processes: bytes of one call's inputs and outputs."""

    def timing_trials(self) -> list[Trial]:
        return [t for t in self.trials if t.phase == "timing"]


def parse_record(data: Any) -> WorkerRecord:
    """The typed record of a worker's parsed JSON; raises MalformedRecord naming what is off."""
    if not isinstance(data, dict):
        raise MalformedRecord("the record is not an object")
    error = data.get("error")
    if error is not None:
        if not (isinstance(error, dict) and isinstance(error.get("kind"), str)
                and isinstance(error.get("message"), str)):
            raise MalformedRecord("error is not a {kind, message} object")
        error = WorkerError(error["kind"], error["message"], _text(error.get("log")))
    offsets = data.get("offsets")
    if not isinstance(offsets, list) or not all(
            isinstance(o, list) and len(o) == 2 and all(_is_int(v) and v >= 0 for v in o) for o in offsets):
        raise MalformedRecord("offsets are not [start, size] pairs")
    trials = data.get("trials")
    if not isinstance(trials, list):
        raise MalformedRecord("trials is not a list")
    return WorkerRecord(
        trials=[_trial(n, t, len(offsets)) for n, t in enumerate(trials)],
        offsets=[(start, size) for start, size in offsets],
        error=error,
        build=_number_map(data.get("build"), "build"),
        process_s=_number(data.get("process_s"), "process_s"),
        compile_s=_number(data.get("compile_s"), "compile_s"),
        compile_times_s=_numbers(data.get("compile_times_s"), "compile_times_s"),
        window_overhead_s=_number(data.get("window_overhead_s"), "window_overhead_s"),
        call_s=_number(data.get("call_s"), "call_s"),
        call_bytes=_number(data.get("call_bytes"), "call_bytes"),
    )


def _trial(n: int, trial: Any, blobs: int) -> Trial:
    if not isinstance(trial, dict) or not _is_int(trial.get("seed")) or not isinstance(trial.get("phase"), str):
        raise MalformedRecord(f"trial {n} has no seed or phase")
    if "output" not in trial:
        raise MalformedRecord(f"trial {n} has no output entry")
    for key in ("output", "sample"):
        index = trial.get(key)
        if index is not None and not (_is_int(index) and 0 <= index < blobs):
            raise MalformedRecord(f"trial {n}'s {key} points to no saved blob")
    for key in ("inputs_before", "inputs_after"):
        if trial.get(key) is not None and not isinstance(trial[key], str):
            raise MalformedRecord(f"trial {n}'s {key} is not a digest")
    if trial["phase"] == "timing" and trial.get("time_s") is None:
        raise MalformedRecord(f"timing trial {n} has no time_s")
    if not isinstance(trial.get("aliases_input", False), bool):
        raise MalformedRecord(f"trial {n}'s aliases_input is not true or false")
    return Trial(
        phase=trial["phase"],
        seed=trial["seed"],
        output=trial["output"],
        sample=trial.get("sample"),
        fingerprint=trial.get("fingerprint"),
        inputs_before=trial.get("inputs_before"),
        inputs_after=trial.get("inputs_after"),
        aliases_input=trial.get("aliases_input", False),
        time_s=_number(trial.get("time_s"), f"trial {n}'s time_s"),
        trial_s=_number(trial.get("trial_s"), f"trial {n}'s trial_s"),
        counts=_number_map(trial.get("counts"), f"trial {n}'s counts") or None,
    )


def _number_map(value: Any, what: str) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise MalformedRecord(f"{what} is not an object of numbers")
    return {k: _number(v, f"{what}'s {k}") for k, v in value.items()}


def _numbers(value: Any, what: str) -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise MalformedRecord(f"{what} is not a list")
    return [_number(v, what) for v in value]


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MalformedRecord(f"{what} is not a number")
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
