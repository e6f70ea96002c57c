"""`maxcode eval --critique`: the verdict, then the rule-based diagnosis (real judge, real runs)."""

from __future__ import annotations

import json

from critique_support import PIE_MINI

from maxcode.cli.main import main


def test_eval_prints_diagnosis_after_verdict(require_local, tmp_path, capsys):
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
        "sandbox=local",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "runtime_error" and record["backend"] == "local"
    diagnosis = record["diagnosis"]
    assert diagnosis["source"] == "rules" and diagnosis["tags"]["crash"] == "SIGSEGV"
    assert "a[i + 50000000]" in diagnosis["text"]  # located by the ASan re-run
