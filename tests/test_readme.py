"""The README's fresh-machine commands: each installs what is missing first, CI runs the
test one, and the main job runs as written."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """Commands of the first ```bash block of the README, comments dropped."""
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md has no ```bash block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def main_job_argv() -> list[str]:
    """`maxcode optimize`'s arguments in scripts/optimize.sh (the README's main job)."""
    script = (ROOT / "scripts" / "optimize.sh").read_text()
    found = re.search(r"^MAIN_JOB=\((.*)\)$", script, re.M)
    assert found, "scripts/optimize.sh has no MAIN_JOB=(...) line"
    return shlex.split(found.group(1))


def test_readme_gives_the_main_job_and_the_tests_each_installing_first():
    assert readme_commands() == ["bash scripts/optimize.sh", "bash scripts/test.sh"]
    for script in ("optimize.sh", "test.sh"):
        lines = (ROOT / "scripts" / script).read_text().splitlines()
        install = lines.index("bash scripts/install.sh")
        assert lines[install + 1:] and lines[-1].startswith("exec python3 -m "), script
    assert "python3 -m pytest" in (ROOT / "scripts" / "test.sh").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci and "ruff check" in ci
    # The README spells the main job out; it must be the one the script runs.
    readme = " ".join((ROOT / "README.md").read_text().replace("`", " ").split())
    assert "maxcode optimize " + " ".join(main_job_argv()) in readme


def test_readme_main_job_stacks_rewrites_into_a_verified_speedup(tmp_path):
    """The main job is a multi-step search whose best-so-far rises over the steps: its best
    program carries more than one rewrite, and it beats the first step's best."""
    argv = ["optimize", *main_job_argv(), f"run_dir={tmp_path / 'run'}", "--quiet"]
    done = subprocess.run([sys.executable, "-m", "maxcode.cli.main", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert not summary["best_is_baseline"] and summary["best_speedup"] > 1.5
    assert summary["best_speedup_ci"][0] > 1.0
    assert (tmp_path / "run" / "best.cpp").is_file()
    nodes = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    best = next(n for n in nodes if n["id"] == summary["best_node"])
    assert best["proposer"]["model"] == "rewrites" and len(best["proposer"]["meta"]["rewrites_path"]) >= 2
    by_step = [speedup or 1.0 for _, speedup in summary["best_speedup_by_step"]]
    assert len(by_step) >= 3 and by_step[-1] > by_step[0]
