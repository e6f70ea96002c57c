"""The verdict memo: a program judged once is not judged again by any run sharing the file;
what changes a verdict changes the key; raced verdicts are not shared; concurrent writers
and a writer killed mid-line lose nothing else."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.lines import read_lines
from maxcode.records.testcases import TestCase

from maxcode.config import load_config
from maxcode.judging import Judging
from maxcode.verdict_memo import VerdictMemo

REPO = Path(__file__).resolve().parents[2]
PIE = REPO / "benchmarks" / "suites" / "pie_mini" / "pm01_range_sum"
CONFIGS = {"cpp": {"judge": {"flags": ["-O3"], "cache_dir": "/a", "seed": 1}, "timing": {"max_seconds": 10}},
           "kernel": {"judge": {"atol": 0.01}}}


def _task(tmp_path: Path, expected: str = "6\n") -> Task:
    (tmp_path / "input.1.txt").write_text("1 2 3\n")
    (tmp_path / "output.1.txt").write_text(expected)
    return _task_in(tmp_path)


def _task_in(tests_dir: Path) -> Task:
    """The task whose test files `_task` wrote (a writer process must not write them again: a
    file truncated under another process's hashing gives that process another task key)."""
    return Task(id="t/sum", family="cpp", language="cpp", baseline_source="int main(){}",
                tests=[TestCase("1", str(tests_dir / "input.1.txt"), str(tests_dir / "output.1.txt"))])


def _ok(speedup: float, stopped_below: float | None = None, **details) -> Evaluation:
    return Evaluation(status=Status.OK, correct=True, timing_mode="wall", speedup=speedup,
                      speedup_ci=(speedup * 0.9, speedup * 1.1), significant=True, stopped_below=stopped_below,
                      baseline_times_s=[0.2, 0.21], candidate_times_s=[0.1, 0.1], details=dict(details))


def test_a_stored_verdict_is_found_by_another_memo_on_the_file(tmp_path: Path) -> None:
    task = _task(tmp_path)
    first = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    key = first.key(task, "int main(){return 0;}", full_budget=False)
    assert first.get(key) is None
    assert first.put(key, task, _ok(2.5))

    other = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)  # e.g. another run's process
    hit = other.get(key)
    assert hit is not None and hit.status is Status.OK
    assert (hit.speedup, hit.speedup_ci, hit.candidate_times_s) == (2.5, (2.25, 2.75), [0.1, 0.1])
    assert hit.details["memo"] == "hit" and other.hits == 1
    hit.details["stop_reason"] = "changed by its user"
    assert "stop_reason" not in other.get(key).details  # each hit is a copy


def test_a_verdict_stored_after_opening_is_found_on_a_miss(tmp_path: Path) -> None:
    task = _task(tmp_path)
    reader = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    writer = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    key = writer.key(task, "a")
    writer.put(key, task, _ok(3.0))
    assert reader.get(key).speedup == 3.0


def test_the_key_follows_what_changes_a_verdict_and_ignores_the_seed(tmp_path: Path) -> None:
    task = _task(tmp_path)
    memo = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    base = memo.key(task, "a", full_budget=False)
    assert memo.key(task, "a", full_budget=False) == base
    assert memo.key(task, "b", full_budget=False) != base
    assert memo.key(task, "a", full_budget=True) != base

    reseeded = {**CONFIGS, "cpp": {**CONFIGS["cpp"], "judge": {**CONFIGS["cpp"]["judge"], "seed": 7,
                                                                "cache_dir": "/b"}}}
    assert VerdictMemo(tmp_path / "m2.jsonl", reseeded).key(task, "a", full_budget=False) == base
    flags = {**CONFIGS, "cpp": {**CONFIGS["cpp"], "judge": {"flags": ["-O2"]}}}
    assert VerdictMemo(tmp_path / "m3.jsonl", flags).key(task, "a", full_budget=False) != base
    timing = {**CONFIGS, "cpp": {**CONFIGS["cpp"], "timing": {"max_seconds": 5}}}
    assert VerdictMemo(tmp_path / "m4.jsonl", timing).key(task, "a", full_budget=False) != base

    other_tests = tmp_path / "b"
    other_tests.mkdir()
    changed = _task(other_tests, expected="7\n")  # same id, another expected output
    assert VerdictMemo(tmp_path / "m5.jsonl", CONFIGS).key(changed, "a", full_budget=False) != base


def test_a_raced_verdict_serves_only_searches_whose_best_is_as_high(tmp_path: Path) -> None:
    """Racing stopped timing once the candidate lay below a best of 2.0: that holds for a search
    whose best is 2.0 or more, not for one at 1.5 (nor one with no best yet)."""
    task = _task(tmp_path)
    memo = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    key = memo.key(task, "a")
    assert memo.put(key, task, _ok(0.5, stopped_below=2.0))
    other = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    assert other.get(key, incumbent=2.5).stopped_below == 2.0
    assert other.get(key, incumbent=2.0) is not None
    assert other.get(key, incumbent=1.5) is None and other.get(key) is None

    # Raced below a lower best serves more searches; one below a higher best adds nothing.
    assert memo.put(key, task, _ok(0.5, stopped_below=1.2))
    assert not memo.put(key, task, _ok(0.5, stopped_below=3.0))
    assert VerdictMemo(tmp_path / "memo.jsonl", CONFIGS).get(key, incumbent=1.5).speedup == 0.5
    # A complete verdict replaces it, serves every search, and is not replaced by a raced one.
    assert memo.put(key, task, _ok(0.6, stop_reason="slower"))
    assert not memo.put(key, task, _ok(0.5, stopped_below=1.0))
    for reader in (memo, VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)):
        assert reader.get(key).speedup == 0.6 and reader.get(key, incumbent=9.0).speedup == 0.6


def test_a_failing_verdict_is_shared(tmp_path: Path) -> None:
    task = _task(tmp_path)
    memo = VerdictMemo(tmp_path / "memo.jsonl", CONFIGS)
    key = memo.key(task, "a")
    assert memo.put(key, task, Evaluation.failure(Status.WRONG_ANSWER, "line 1 differs"))
    assert VerdictMemo(tmp_path / "memo.jsonl", CONFIGS).get(key).status is Status.WRONG_ANSWER


def test_a_line_torn_by_a_killed_writer_costs_only_itself(tmp_path: Path) -> None:
    task = _task(tmp_path)
    path = tmp_path / "memo.jsonl"
    memo = VerdictMemo(path, CONFIGS)
    memo.put(memo.key(task, "a"), task, _ok(2.0))
    with open(path, "a") as f:
        f.write('{"key": "x", "task": "t/sum", "evaluation": {"status": "o')  # killed here
    memo.put(memo.key(task, "b"), task, _ok(4.0))
    fresh = VerdictMemo(path, CONFIGS)
    assert len(fresh) == 2
    assert fresh.get(fresh.key(task, "a")).speedup == 2.0
    assert fresh.get(fresh.key(task, "b")).speedup == 4.0
    # records/lines.py: reading stops at the first line that is not a whole record, and a
    # writer cuts the file there before it appends; so every reader of the file sees what
    # the memo sees.
    lines = read_lines(path)
    assert not lines.cut and [row["evaluation"]["speedup"] for row in lines.rows] == [2.0, 4.0]


def test_the_memo_stops_where_every_reader_of_the_file_stops(tmp_path: Path) -> None:
    task = _task(tmp_path)
    path = tmp_path / "memo.jsonl"
    memo = VerdictMemo(path, CONFIGS)
    memo.put(memo.key(task, "a"), task, _ok(2.0))
    memo.put(memo.key(task, "b"), task, _ok(4.0))
    first, second = path.read_text().splitlines(keepends=True)
    path.write_text(first + "not a record\n" + second)
    fresh = VerdictMemo(path, CONFIGS)
    assert len(fresh) == len(read_lines(path).rows) == 1
    assert fresh.get(fresh.key(task, "b")) is None


def _write_many(path: str, tests_dir: str, prefix: str, n: int) -> None:
    task = _task_in(Path(tests_dir))
    memo = VerdictMemo(path, CONFIGS)
    for i in range(n):
        memo.put(memo.key(task, f"{prefix}{i}"), task, _ok(1.0 + i))


def test_concurrent_writers_lose_no_verdict(tmp_path: Path) -> None:
    path = tmp_path / "memo.jsonl"
    task = _task(tmp_path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(path), str(tmp_path), p, 150)) for p in "xyz"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    memo = VerdictMemo(path, CONFIGS)
    assert len(memo) == 450
    assert all(memo.get(memo.key(task, f"{p}{i}")).speedup == 1.0 + i for p in "xyz" for i in range(150))


@pytest.mark.docker
def test_judging_with_a_memo_judges_a_program_once(tmp_path: Path) -> None:
    """Through the real C++ judge (Docker): the second judgement of the same program is the
    first one's verdict, and the judge is not called for it."""
    from maxcode.wiring import load_task

    task = load_task(PIE / "slow.cpp", None)
    candidate = (PIE / "reference.cpp").read_text()
    cfg = load_config([f"judge.memo={tmp_path / 'memo.jsonl'}", f"paths.cache_dir={tmp_path / 'cache'}",
                       "cpp_timing.max_seconds=2", "cpp_timing.interval_max_seconds=10"])
    with Judging(cfg) as judging:
        first = judging.judge_task(task, candidate)
        calls = []
        judge = judging.judge_for("cpp")
        original = judge.evaluate
        judge.evaluate = lambda *a, **k: calls.append(1) or original(*a, **k)
        second = judging.judge_task(task, candidate)
        assert calls == []
        third = judging.judge_task(task, candidate + "\n// another program\n")
        assert calls == [1]
    assert first.status is Status.OK and "memo" not in first.details
    assert second.details["memo"] == "hit"
    assert (second.speedup, second.speedup_ci, second.baseline_times_s) == (
        first.speedup, first.speedup_ci, first.baseline_times_s)
    assert "memo" not in third.details
    assert len(VerdictMemo(tmp_path / "memo.jsonl", {"cpp": {}})) == 2
