"""`maxcode eval --critique`: the verdict, then the rule-based diagnosis (real judge, real runs)."""

from __future__ import annotations

import json

import pytest
from realruns import PIE_MINI, HostProcessBackend, project_local_backend

pytest.importorskip("maxcode.cli.eval_cmd", reason="maxcode eval is not available")


@pytest.fixture
def eval_backend(monkeypatch):
    """The project's local backend via `sandbox=local` once it exists; until then the
    judging module is handed the test's host-process backend."""
    if project_local_backend() is not None:
        return ["sandbox=local"]
    from maxcode import judging

    real_build = judging.build
    monkeypatch.setattr(
        judging, "build", lambda cfg, backend=None: real_build(cfg, HostProcessBackend())
    )
    return []


def test_eval_prints_diagnosis_after_verdict(eval_backend, tmp_path, capsys):
    from maxcode.cli.main import main

    root = PIE_MINI / "pm01_range_sum"
    candidate = tmp_path / "candidate.cpp"
    candidate.write_text(
        (root / "slow.cpp").read_text().replace("s += a[i];", "s += a[i + 50000000];")
    )
    argv = [
        "eval",
        "--task",
        str(root / "slow.cpp"),
        "--candidate",
        str(candidate),
        "--json",
        "--critique",
        f"paths.cache_dir={tmp_path / 'cache'}",
        *eval_backend,
    ]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "runtime_error"
    diagnosis = record["diagnosis"]
    assert diagnosis["source"] == "rules" and diagnosis["tags"]["crash"] == "SIGSEGV"
    assert "a[i + 50000000]" in diagnosis["text"]  # located by the ASan re-run
