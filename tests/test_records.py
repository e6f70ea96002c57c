import pytest
from maxcode.benchmarks.task import Task, Tolerance
from maxcode.records.evaluation import Evaluation, Mismatch, Status
from maxcode.records.testcases import TestCase


def test_evaluation_round_trips_through_json():
    ev = Evaluation(
        status=Status.OK,
        correct=True,
        message="1.8x faster",
        mismatch=Mismatch(test="3", line=2, expected="4", got="5", max_abs_error=1.0),
        timing_mode="wall",
        baseline_times_s=[0.1, 0.11],
        candidate_times_s=[0.05, 0.06],
        speedup=1.83,
        speedup_ci=(1.7, 1.9),
        significant=True,
        hardware={"cpu": "x", "cores": 2},
        details={"per_test": {"1": [0.1]}},
    )
    back = Evaluation.from_json(ev.to_json())
    assert back == ev
    assert back.status is Status.OK
    assert isinstance(back.mismatch, Mismatch)
    assert back.speedup_ci == (1.7, 1.9)


def test_failure_cannot_claim_ok():
    with pytest.raises(ValueError):
        Evaluation.failure(Status.OK, "nope")
    ev = Evaluation.failure(Status.TIMEOUT, "too slow", failing_test="2")
    assert not ev.correct and ev.status is Status.TIMEOUT


def test_task_round_trips_through_json():
    task = Task(
        id="pie/p1",
        family="cpp",
        language="cpp",
        baseline_source="int main(){}",
        tests=[TestCase(name="1", input_path="/t/input.1.txt", output_path="/t/output.1.txt")],
        tolerance=Tolerance(atol=1e-4, rtol=1e-4),
        metadata={"suite": "pie", "level": None},
    )
    back = Task.from_json(task.to_json())
    assert back == task
    assert isinstance(back.tests[0], TestCase)


def test_task_rejects_unknown_family_and_fields():
    with pytest.raises(ValueError, match="family"):
        Task(id="x", family="rust", language="rust", baseline_source="")
    with pytest.raises(ValueError, match="unknown field"):
        Task.from_dict({"id": "x", "family": "cpp", "language": "cpp", "baseline_source": "", "bogus": 1})
