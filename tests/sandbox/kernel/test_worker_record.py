"""The host reads a worker's record as untrusted data: every shape the harness never writes
is named, so a candidate that tampers with it is rejected instead of crashing the judge."""

from __future__ import annotations

import pytest

from sandbox.judges.kernel.sides import malformed_record


def _record(**changes):
    trial = {"phase": "correctness", "seed": 7, "time_s": 0.01, "output": 0, "sample": None}
    record = {"error": None, "offsets": [[0, 10]], "trials": [trial]}
    for key, value in changes.items():
        if key.startswith("trial_"):
            trial[key.removeprefix("trial_")] = value
        else:
            record[key] = value
    return record


def test_what_the_harness_writes_is_well_formed():
    assert malformed_record(_record()) is None
    count_trial = {"phase": "count", "seed": 1, "output": None, "fingerprint": [1.0]}
    assert malformed_record(_record(trials=[count_trial])) is None
    assert malformed_record(_record(error={"kind": "build", "message": "x", "log": ""})) is None


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
])
def test_tampered_records_are_named(changes, words):
    assert words in (malformed_record(_record(**changes)) or ""), changes


def test_a_trial_without_its_output_entry_is_named():
    record = _record()
    del record["trials"][0]["output"]
    assert "no output entry" in malformed_record(record)
