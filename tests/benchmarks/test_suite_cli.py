"""`maxcode suite list | show | check` through the CLI entry point.

The check tests judge real pie-mini variants with the real C++ judge on the local backend
(g++ -O3, wall-clock timing): one problem by default, the whole suite under `-m slow`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maxcode.cli.main import main
from maxcode.config import CONF_DIR

# The check's own wall-timing defaults (CHECK_WALL_TIMING) apply: a verdict needs an interval.
LOCAL = ["sandbox=local"]


def test_list_names_every_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suite", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("pie-mini", "pie", "kernelbench", "kernelbench-cpu"):
        assert f" {name} " in out
    assert "suite.jsonl suite.tests_root" in out


def test_show_lists_problems_tests_and_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["suite", "show", "pie-mini", "suite.ids=[pm01_range_sum,pm09_matrix_product]"]) == 0
    )
    out = capsys.readouterr().out
    assert "pie-mini version 1: 2 tasks" in out
    assert "pm01_range_sum" in out and "Range sums" in out and "pm02" not in out
    row = next(line for line in out.splitlines() if "pm09_matrix_product" in line)
    assert "│ 6 " in row and "138 B / 24 B" in row and "faster, marginal, slower, wrong" in row


def test_show_a_real_pie_split(capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = Path(__file__).parent / "pie_fixtures"
    code = main(
        [
            "suite",
            "show",
            "pie",
            f"suite.jsonl={fixtures / 'split.jsonl'}",
            f"suite.tests_root={fixtures / 'tests_root'}",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "pie version external: 3 tasks" in out
    assert "p00002/s300" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["suite", "show", "pie-mnii"], "error: unknown suite 'pie-mnii'; did you mean 'pie-mini'"),
        (["suite", "show", "pie"], "error: the pie suite needs suite.jsonl and suite.tests_root"),
        (["suite", "show", "pie-mini", "suite.ids=[pm1]"], "error: pie-mini has no problem 'pm1'"),
        (
            ["suite", "check", "pie-mini", "--only", "pm01_rangesum"],
            "did you mean 'pm01_range_sum'",
        ),
    ],
)
def test_user_errors_are_one_line_with_a_fix(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and "  fix: " in err


@pytest.fixture(scope="module")
def local_backend() -> None:
    if not (CONF_DIR / "sandbox" / "local.yaml").is_file():
        pytest.skip("the local sandbox backend (conf/sandbox/local.yaml) is not available")


def run_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict], str]:
    report = tmp_path / "check.json"
    code = main(
        [
            "suite",
            "check",
            "pie-mini",
            *args,
            "--json",
            str(report),
            *LOCAL,
            f"paths.cache_dir={tmp_path / 'cache'}",
        ]
    )
    return code, json.loads(report.read_text()), capsys.readouterr().out


def test_check_one_problem_through_the_real_judge(local_backend, tmp_path: Path, capsys) -> None:
    """The cheapest problem, baseline (A/A) + faster + wrong, to stay quick by default."""
    code, rows, out = run_check(
        tmp_path, capsys, "--only", "pm11_max_subarray", "--variants", "faster,wrong"
    )
    by_variant = {r["variant"]: r for r in rows}
    assert list(by_variant) == ["baseline", "faster", "wrong"]
    assert by_variant["baseline"]["status"] == "ok"  # correct on all its own tests
    assert by_variant["faster"]["status"] == "ok" and by_variant["faster"]["significant"]
    assert by_variant["faster"]["speedup_ci"][0] > 1.0
    assert by_variant["wrong"]["status"] == "wrong_answer"
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]
    assert code == 0
    assert "suite check: pie-mini v1" in out and "3 agree, 0 contradict" in out


@pytest.mark.slow  # a correct "wrong" variant gets timed in full: ~40 s on a busy 2-core machine
def test_check_exits_1_when_a_label_is_contradicted(local_backend, tmp_path: Path, capsys) -> None:
    """A tree whose 'wrong' variant is in fact correct must fail the check."""
    import shutil

    import yaml
    from maxcode.benchmarks.loaders.builtin_pie import DEFAULT_ROOT

    root = tmp_path / "tree"
    shutil.copytree(DEFAULT_ROOT / "pm11_max_subarray", root / "pm11_max_subarray")
    index = yaml.safe_load((DEFAULT_ROOT / "suite.yaml").read_text())
    index["problems"] = [p for p in index["problems"] if p["id"] == "pm11_max_subarray"]
    (root / "suite.yaml").write_text(yaml.safe_dump(index))
    shutil.copy(
        root / "pm11_max_subarray" / "variants" / "faster.cpp",
        root / "pm11_max_subarray" / "variants" / "wrong.cpp",
    )
    code, rows, out = run_check(tmp_path, capsys, f"suite.root={root}", "--variants", "wrong")
    wrong = next(r for r in rows if r["variant"] == "wrong")
    assert (wrong["status"], wrong["ok"]) == ("ok", False)
    assert "accepted" in wrong["reason"]
    assert code == 1 and "CONTRADICTS" in out


@pytest.mark.slow
def test_check_whole_pie_mini_suite(local_backend, tmp_path: Path, capsys) -> None:
    code, rows, out = run_check(tmp_path, capsys)
    assert len(rows) == 15 * 5
    assert code == 0, out
