"""MaxCode installed in a virtualenv (the usual way) judges kernels with `sandbox=local`.

A venv's `bin/python3` is a symlink into the installation it was made from, and the venv
itself may live anywhere (here under /tmp, which the sandbox replaces with a private tmpfs):
both must be visible inside bubblewrap, or the worker cannot even start ("mcrun: cannot
execute .../venv/bin/python3"). The Docker backend runs the image's own python3 instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KERNEL = REPO / "tests" / "sandbox" / "kernel" / "fixtures"
# An already-written plain-PyTorch candidate and the smallest budgets: the point is the start.
FAST = ["device=cpu", "judge.kernel.checks.require_custom_kernel=false", "judge.kernel.checks.correctness_trials=1",
        "judge.kernel.timing.warmup_trials=1", "judge.kernel.timing.min_trials=2", "judge.kernel.timing.max_trials=3",
        "judge.kernel.timing.time_target_s=0.05", "judge.kernel.timing.processes=1", "judge.kernel.timing.threads=1"]


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv on this interpreter's packages (torch is not downloaded again)."""
    root = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(root)],
                   check=True, timeout=120)
    subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "-e", str(REPO)], check=True, timeout=300)
    return root


def _eval(venv: Path, sandbox: str, cache: Path) -> dict:
    env = {**os.environ, "MAXCODE_CACHE_DIR": str(cache), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    r = subprocess.run(
        [str(venv / "bin" / "maxcode"), "eval", "--task", str(KERNEL / "relu_problem.py"),
         "--candidate", str(KERNEL / "relu_torch.py"), "--json", "--no-compile-baseline", f"sandbox={sandbox}", *FAST],
        capture_output=True, text=True, env=env, cwd=venv.parent, timeout=240,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return json.loads(r.stdout)


def test_venv_interpreter_dirs_are_bound(venv):
    code = ("import json, sys; from maxcode.sandbox.backends.local import python_dirs, python_bin_dirs; "
            "print(json.dumps([sys.prefix, sys.base_prefix, python_dirs(), python_bin_dirs()]))")
    prefix, base, dirs, bins = json.loads(subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True,
        cwd=venv.parent).stdout)
    assert prefix == str(venv) and prefix != base
    assert {prefix, base} <= set(dirs)
    assert bins[0] == str(venv / "bin") and os.path.join(base, "bin") in bins
    assert str(REPO) not in dirs  # the source tree (problem files included) stays outside


def test_venv_judges_a_kernel_with_sandbox_local(venv, tmp_path, require_local):
    out = _eval(venv, "local", tmp_path / "cache")
    assert out["status"] == "ok" and out["correct"] is True, out["message"]
    assert out["backend"] == "local" and "bubblewrap" in out["isolation"]


@pytest.mark.docker
def test_venv_judges_a_kernel_with_sandbox_docker(venv, tmp_path, require_docker):
    out = _eval(venv, "docker", tmp_path / "cache")
    assert out["status"] == "ok" and out["correct"] is True, out["message"]
    assert out["backend"] == "docker"
