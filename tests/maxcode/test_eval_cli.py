"""`maxcode eval` through the real CLI: the JSON contract, the summary, and bad inputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from maxcode.cli.main import main
from maxcode.selfbench.exploits.catalogue import SUM_TASK

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "sandbox" / "cpp_fixtures"
TASK = SUM_TASK
TESTS = SUM_TASK.parent / "tests"
CANDIDATES = FIXTURES / "candidates"
FAST = ["sandbox=local", "cpp_timing.max_seconds=1.0"]
needs_local = pytest.mark.skipif(
    not (REPO / "conf" / "sandbox" / "local.yaml").is_file(), reason="local sandbox backend not configured"
)


def _cli(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MAXCODE_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "maxcode.cli.main", *args], capture_output=True, text=True, env=env,
        cwd=REPO, timeout=300,
    )


@needs_local
def test_json_verdict_of_a_faster_candidate(tmp_path: Path) -> None:
    r = _cli(["eval", "--task", str(TASK), "--tests", str(TESTS), "--candidate", str(CANDIDATES / "fast.cpp"),
              "--json", *FAST], tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    for key in ("status", "correct", "speedup", "speedup_ci", "baseline_time_s", "candidate_time_s", "message"):
        assert key in out
    assert out["status"] == "ok" and out["correct"] is True
    lo, hi = out["speedup_ci"]
    assert lo <= out["speedup"] <= hi and out["speedup"] > 1
    assert out["baseline_time_s"] > out["candidate_time_s"] > 0
    assert out["backend"] == "local" and out["timing_mode"] == "wall"
    assert out["task_id"] == "sum_task/baseline"


@needs_local
def test_json_verdict_of_a_failing_candidate_exits_0(tmp_path: Path) -> None:
    r = _cli(["eval", "--task", str(TASK), "--candidate", str(CANDIDATES / "wrong.cpp"), "--json",
              "sandbox=local", "cpp_timing=instructions"], tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "wrong_answer" and out["correct"] is False
    assert out["speedup"] is None and out["speedup_ci"] is None
    assert out["failing_test"] == "1" and out["mismatch"]["line"] == 1


@needs_local
def test_readable_summary(tmp_path: Path) -> None:
    r = _cli(["eval", "--task", str(TASK), "--candidate", str(CANDIDATES / "compile_error.cpp"),
              "sandbox=local"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "compile_error" in r.stdout and "compiler output" in r.stdout


def _bad(args: list[str], capsys: pytest.CaptureFixture[str], one_line: bool = True) -> str:
    """Exit code 2, nothing on stdout, no traceback; `error: cause` (+ `  fix: ...`) on stderr."""
    code = main(["eval", *args])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    if not one_line:  # Hydra's own messages list the available options below the cause
        return captured.err
    first, *rest = captured.err.strip().splitlines()
    assert first.startswith("error: ")
    assert all(line.startswith("  fix: ") for line in rest) and len(rest) <= 1
    return first


def test_missing_task(capsys, tmp_path: Path) -> None:
    line = _bad(["--task", str(tmp_path / "nope.cpp"), "--candidate", str(CANDIDATES / "fast.cpp")], capsys)
    assert "does not exist" in line


def test_missing_candidate(capsys, tmp_path: Path) -> None:
    line = _bad(["--task", str(TASK), "--candidate", str(tmp_path / "nope.cpp")], capsys)
    assert "candidate" in line and "does not exist" in line


def test_missing_tests_dir(capsys, tmp_path: Path) -> None:
    line = _bad(["--task", str(TASK), "--tests", str(tmp_path / "none"), "--candidate",
                 str(CANDIDATES / "fast.cpp")], capsys)
    assert "does not exist" in line


def test_empty_tests_dir(capsys, tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    line = _bad(["--task", str(TASK), "--tests", str(tmp_path / "tests"), "--candidate",
                 str(CANDIDATES / "fast.cpp")], capsys)
    assert "no test cases" in line


def test_input_without_output(capsys, tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    shutil.copytree(TESTS, tests)
    (tests / "output.2.txt").unlink()
    line = _bad(["--task", str(TASK), "--tests", str(tests), "--candidate", str(CANDIDATES / "fast.cpp")], capsys)
    assert "input.2.txt has no expected output" in line


def test_candidate_not_cpp(capsys, tmp_path: Path) -> None:
    py = tmp_path / "cand.cpp"
    py.write_text((CANDIDATES / "python.py.txt").read_text())
    line = _bad(["--task", str(TASK), "--candidate", str(py)], capsys)
    assert "looks like Python" in line
    line = _bad(["--task", str(TASK), "--candidate", str(CANDIDATES / "python.py.txt")], capsys)
    assert "is not C++" in line
    empty = tmp_path / "empty.cpp"
    empty.write_text("")
    assert "empty" in _bad(["--task", str(TASK), "--candidate", str(empty)], capsys)
    binary = tmp_path / "bin.cpp"
    binary.write_bytes(b"\x7fELF\x02\x01\xff\xfe")
    assert "UTF-8" in _bad(["--task", str(TASK), "--candidate", str(binary)], capsys)


def test_task_not_cpp_or_kernel(capsys, tmp_path: Path) -> None:
    odd = tmp_path / "task.rs"
    odd.write_text("fn main() {}")
    assert "unknown task format" in _bad(["--task", str(odd), "--candidate", str(CANDIDATES / "fast.cpp")], capsys)
    py = tmp_path / "problem.py"
    py.write_text("import torch\nclass Model:\n    pass\n")
    line = _bad(["--task", str(py), "--candidate", str(py)], capsys)
    assert "get_inputs" in line and "get_init_inputs" in line


def test_bad_override(capsys) -> None:
    text = _bad(["--task", str(TASK), "--candidate", str(CANDIDATES / "fast.cpp"), "cpp_timing=nonexistent"], capsys,
                one_line=False)
    assert text.startswith("error: ") and "timing/nonexistent" in text


KERNEL = REPO / "tests" / "sandbox" / "kernel" / "fixtures"
SYNTAX_ERROR = (KERNEL / "syntax_error.py.txt").read_text()  # line 2: `class ModelNew(:`


def _json_line(capsys: pytest.CaptureFixture[str]) -> dict:
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def test_kernel_syntax_error_is_a_compile_error_verdict(capsys, tmp_path: Path) -> None:
    gen = tmp_path / "gen_7.py"
    gen.write_text(SYNTAX_ERROR)
    args = ["eval", "--task", str(KERNEL / "relu_problem.py"), "--candidate", str(gen), "sandbox=local"]
    assert main([*args, "--json"]) == 0
    out = _json_line(capsys)
    assert out["status"] == "compile_error" and out["correct"] is False and out["speedup"] is None
    assert out["message"] == f"{gen}:2: syntax error: invalid syntax"
    assert out["compile_log"].startswith(f"{gen}:2:16: error: invalid syntax")
    assert "class ModelNew(:" in out["compile_log"]
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "compile_error" in text and "gen_7.py:2: syntax error: invalid syntax" in text


def test_json_gives_one_object_per_generation_whatever_happens(capsys, tmp_path: Path) -> None:
    """A script judging many generations: one JSON object per call, judged or not."""
    (tmp_path / "bad_syntax.py").write_text(SYNTAX_ERROR)
    (tmp_path / "no_modelnew.py").write_text((KERNEL / "no_modelnew.py").read_text())
    expected = {"bad_syntax.py": ("compile_error", 0), "no_modelnew.py": ("compile_error", 0),
                "missing.py": ("error", 2)}
    for name, (status, code) in expected.items():
        rc = main(["eval", "--task", str(KERNEL / "relu_problem.py"), "--candidate", str(tmp_path / name),
                   "--json", "sandbox=local", "device=cpu"])
        out = _json_line(capsys)
        assert (out["status"], rc) == (status, code), out
        for key in ("status", "correct", "speedup", "speedup_ci", "baseline_time_s", "candidate_time_s", "message"):
            assert key in out
    assert "does not exist" in out["message"] and out["fix"]


def test_loop_and_critique_see_a_syntax_error_at_its_line() -> None:
    """The loop judges through `Judging.judge_task`; the rule critique reads the build log."""
    from maxcode.benchmarks.loaders.single_file import load_task
    from maxcode.critique.rules import RuleCritique

    from maxcode.config import load_config
    from maxcode.judging import Judging

    task = load_task(KERNEL / "relu_problem.py")
    with Judging(load_config(["sandbox=local", "device=cpu"])) as judges:
        ev = judges.judge_task(task, SYNTAX_ERROR)
    assert ev.status.value == "compile_error" and ev.message == "candidate.py:2: syntax error: invalid syntax"
    diagnosis = RuleCritique().diagnose(task, SYNTAX_ERROR, ev)
    assert "candidate.py:2" in diagnosis.text and "class ModelNew(:" in diagnosis.text


@pytest.mark.slow  # compiles the reference
def test_kernel_eval_reports_the_speedup_against_eager_and_against_torch_compile(capsys) -> None:
    fast = ["sandbox=local", "device=cpu", "judge.kernel.checks.require_custom_kernel=false", "judge.kernel.timing.threads=1",
            "judge.kernel.timing.min_trials=5", "judge.kernel.timing.max_trials=10", "judge.kernel.timing.time_target_s=0.2",
            "judge.kernel.timing.processes=2"]
    args = ["eval", "--task", str(KERNEL / "relu_problem.py"), "--candidate", str(KERNEL / "relu_torch.py"), *fast]
    assert main([*args, "--json"]) == 0
    out = _json_line(capsys)
    assert out["status"] == "ok" and out["speedup"] is not None
    lo, hi = out["speedup_vs_compile_ci"]
    assert lo <= out["speedup_vs_compile"] <= hi
    assert main([*args, "--no-compile-baseline", "--json"]) == 0
    assert _json_line(capsys)["speedup_vs_compile"] is None
