"""`maxcode eval --critique`: the verdict, then the diagnosis (real judge, real runs): the rules'
by default; with critique=llm, the proposer config's model, or one clear error without one."""

from __future__ import annotations

import json

from chat_server import FIXTURE_NOTE, ChatServer
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


def _compile_error_args(tmp_path, *overrides: str) -> list[str]:
    root = PIE_MINI / "pm01_range_sum"
    candidate = tmp_path / "candidate.cpp"
    candidate.write_text((root / "slow.cpp").read_text().replace("s += a[i];", "s += b[i];"))
    return ["eval", "--task", str(root / "slow.cpp"), "--candidate", str(candidate), "--json",
            "--critique", "critique=llm", "sandbox=local", f"paths.cache_dir={tmp_path / 'cache'}",
            *overrides]


def test_eval_llm_critique_uses_the_configured_proposer(require_local, tmp_path, capsys):
    """`eval` has no search, but the proposer config still names the critic's model."""
    reply = f"DIAGNOSIS: {FIXTURE_NOTE} `b` is undeclared.\nSUGGESTIONS:\n1. Sum `a`."
    with ChatServer(lambda body, served: reply) as server:
        argv = _compile_error_args(tmp_path, "proposer.model=fixture-model",
                                   f"proposer.base_url={server.base_url}")
        assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "compile_error"
    assert record["diagnosis"]["source"] == "llm" and record["diagnosis"]["suggestions"] == ["Sum `a`."]
    [request] = server.requests
    assert request["model"] == "fixture-model" and request["n"] == 1  # the proposer's openai client


def test_eval_llm_critique_without_a_model_is_one_clear_error(require_local, tmp_path, capsys, monkeypatch):
    for var in ("OPENAI_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert main(_compile_error_args(tmp_path)) == 2
    out, err = capsys.readouterr()
    # --json: still one JSON object on stdout (scripts judging many generations get one each).
    record = json.loads(out)
    assert record["status"] == "error" and "critique=llm has no model" in record["message"]
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: critique=llm has no model") and "proposer.model is not set" in lines[0]
    assert lines[1].startswith("  fix: set critique.model") and len(lines) == 2
