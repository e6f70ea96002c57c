"""The host reads a worker's record as untrusted data: every shape the harness never writes
is named, so a candidate that tampers with it is rejected instead of crashing the judge, and
what is well formed comes back typed."""

from __future__ import annotations

import json

import pytest
from maxcode.records.evaluation import Status
from maxcode.sandbox.judges.kernel.sides import Side, read_record, side_failure
from maxcode.sandbox.judges.kernel.worker_report import MalformedRecord, parse_record
from maxcode.sandbox.run_spec import StepResult


def _record(**changes):
    trial = {"phase": "correctness", "seed": 7, "time_s": 0.01, "trial_s": 0.02, "output": 0, "sample": None,
             "inputs_before": "ab", "inputs_after": "ab", "aliases_input": False}
    record = {"error": None, "offsets": [[0, 10]], "trials": [trial], "process_s": 1.5,
              "build": {"builds": 1, "cache_hits": 0, "build_s": 11.8}}
    for key, value in changes.items():
        if key.startswith("trial_"):
            trial[key.removeprefix("trial_")] = value
        else:
            record[key] = value
    return record


def _malformed(record) -> str:
    with pytest.raises(MalformedRecord) as raised:
        parse_record(record)
    return str(raised.value)


def test_what_the_harness_writes_comes_back_typed():
    record = parse_record(_record())
    (trial,) = record.trials
    assert (trial.phase, trial.seed, trial.output, trial.time_s, trial.trial_s) == ("correctness", 7, 0, 0.01, 0.02)
    assert trial.inputs_after == "ab" and trial.aliases_input is False
    assert record.offsets == [(0, 10)] and record.process_s == 1.5 and record.build["build_s"] == 11.8
    count_trial = {"phase": "count", "seed": 1, "output": None, "fingerprint": [1.0]}
    assert parse_record(_record(trials=[count_trial])).trials[0].fingerprint == [1.0]
    failed = parse_record(_record(error={"kind": "build", "message": "x", "log": "cc1: error"}))
    assert (failed.error.kind, failed.error.log) == ("build", "cc1: error")


def test_only_timing_trials_are_timed():
    timing = {"phase": "timing", "seed": 8, "time_s": 0.003, "output": None}
    record = parse_record(_record(trials=[_record()["trials"][0], timing]))
    assert [t.seed for t in record.timing_trials()] == [8]


@pytest.mark.parametrize("changes, words", [
    ({"error": {"kind": 3}}, "error is not"),
    ({"offsets": [[0, -1]]}, "offsets"),
    ({"offsets": "junk"}, "offsets"),
    ({"trials": {"0": {}}}, "trials is not a list"),
    ({"trials": ["junk"]}, "no seed or phase"),
    ({"trial_seed": True}, "no seed or phase"),
    ({"trial_output": 5}, "output points to no saved blob"),
    ({"trial_sample": "0"}, "sample points to no saved blob"),
    ({"trial_time_s": float("nan")}, "time_s is not a number"),
    ({"trial_time_s": "fast"}, "time_s is not a number"),
    ({"trial_trial_s": float("inf")}, "trial_s is not a number"),
    ({"trial_inputs_after": ["ab"]}, "inputs_after is not a digest"),
    ({"trial_phase": "timing", "trial_time_s": None}, "timing trial 0 has no time_s"),
    ({"trial_aliases_input": "no"}, "aliases_input is not true or false"),
    ({"build": {"builds": "many"}}, "build's builds is not a number"),
    ({"build": ["x"]}, "build is not an object"),
    ({"process_s": True}, "process_s is not a number"),
    ({"compile_times_s": 0.1}, "compile_times_s is not a list"),
])
def test_tampered_records_are_named(changes, words):
    assert words in _malformed(_record(**changes)), changes


def test_a_trial_without_its_output_entry_is_named():
    record = _record()
    del record["trials"][0]["output"]
    assert "no output entry" in _malformed(record)


def _side(raw: bytes | None, exit_code: int = 0) -> Side:
    record, malformed = read_record(raw)
    step = StepResult(label="candidate/check/0", exit_code=exit_code, stdout=b"", stderr=b"", wall_time_s=1.0)
    return Side(step=step, record=record, outputs=b"", phase="timing", malformed=malformed)


def test_a_side_with_a_tampered_record_is_rejected_and_a_missing_one_died():
    tampered = side_failure(_side(json.dumps(_record(offsets="junk")).encode()), "candidate")
    assert tampered.status is Status.REJECTED and "offsets" in tampered.message
    assert side_failure(_side(json.dumps([1, 2]).encode()), "candidate").status is Status.REJECTED
    for raw in (None, b"{not json"):
        died = side_failure(_side(raw), "candidate")
        assert died.status is Status.RUNTIME_ERROR and "died" in died.message
    assert side_failure(_side(json.dumps(_record()).encode()), "candidate") is None
    # A process that crashed after writing junk died; the junk is not what it is judged by.
    assert side_failure(_side(json.dumps(_record(offsets="junk")).encode(), exit_code=1),
                        "candidate").status is Status.RUNTIME_ERROR
