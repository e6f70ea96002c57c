"""MaxCode installs beside other projects: one top-level import name (`maxcode`), so PyPI's
`records` (and any `sandbox`, `benchmarks` or `reward`) stays importable next to it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_wheel_holds_one_top_level_name(tmp_path):
    # Built from a copy: setuptools writes its build/ folder into the tree it builds.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "results", "runs", "*.egg-info", "__pycache__", ".*cache"))
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--wheel-dir", str(tmp_path), str(source), cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("maxcode-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"maxcode", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}
    # Every folder of the design is in it, under its import name, data files included.
    for inside in ("maxcode/records/run.py", "maxcode/sandbox/runner/mcrun.c", "maxcode/reward/dataset.py",
                   "maxcode/critique/prompts/critique.txt", "maxcode/benchmarks/loaders/builtin.py",
                   "maxcode/sandbox/judges/kernel/worker.py", "maxcode/conf/config.yaml",
                   "maxcode/conf/judge/default.yaml"):
        assert inside in names

    # Installed (dependencies from the system's site packages), it composes its configuration
    # from what it carries, far from any checkout.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    got = _run(str(env_dir / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel),
               cwd=tmp_path)
    assert got.returncode == 0, got.stderr[-3000:]
    got = _run(str(env_dir / "bin" / "maxcode"), "optimize", "--cfg", "job", "device=cpu", cwd=tmp_path)
    assert got.returncode == 0, got.stderr[-3000:]
    assert "_target_: maxcode.sandbox.judges.kernel.KernelJudge" in got.stdout
    got = _run(str(env_dir / "bin" / "python"), "-c", "import maxcode.config; print(maxcode.config.CONF_DIR)",
               cwd=tmp_path)
    assert Path(got.stdout.strip()).is_relative_to(env_dir), got.stdout + got.stderr


def test_installs_beside_pypi_records(tmp_path):
    """The order that broke a user: PyPI's `records` first, then MaxCode editable."""
    env_dir = tmp_path / "venv"
    # System site packages give the venv torch and the rest without a download; the venv's own
    # site-packages (records, this MaxCode) come first on its path.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    got = _run(str(python), "-m", "pip", "install", "--quiet", "records==0.6.0", cwd=tmp_path)
    if got.returncode != 0 and "No matching distribution" not in got.stderr:
        pytest.skip(f"PyPI is out of reach: {got.stderr.strip().splitlines()[-1:]}")
    assert got.returncode == 0, got.stderr[-3000:]
    got = _run(str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
               "-e", str(ROOT), cwd=tmp_path)
    assert got.returncode == 0, got.stderr[-3000:]

    both = ("import records, maxcode.records.run, maxcode.sandbox.judges.kernel, maxcode.reward.dataset, "
            "maxcode.critique.rules, maxcode.benchmarks.loaders.builtin; "
            "print(records.__file__); print(maxcode.records.run.__file__); print(records.Database.__name__)")
    got = _run(str(python), "-c", both, cwd=tmp_path)
    assert got.returncode == 0, got.stderr[-3000:]
    pypi_records, ours, database = got.stdout.split()
    assert Path(pypi_records).is_relative_to(env_dir) and database == "Database"
    assert Path(ours) == ROOT / "records" / "run.py"

    got = _run(str(env_dir / "bin" / "maxcode"), "--help", cwd=tmp_path)
    assert got.returncode == 0 and "optimize" in got.stdout, got.stderr[-3000:]
