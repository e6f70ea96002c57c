"""`maxcode bench kernel_sizes` through the real local sandbox: a problem that fits gets `ok`,
one past a configured limit of the judge is stopped there with the knob named, and neither
is blamed on the candidate (which is the problem's own Model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maxcode.cli.main import main
from maxcode.errors import UserError

FIXTURES = Path(__file__).resolve().parents[1] / "sandbox" / "kernel" / "fixtures"

SLOW_PROBLEM = '''
import time
import torch
import torch.nn as nn


class Model(nn.Module):
    def forward(self, x):
        time.sleep(120.0)  # far past the run_timeout_s this test sets
        return x * 2


def get_inputs():
    return [torch.randn(4, 4)]


def get_init_inputs():
    return []
'''


def test_real_layout_each_file_gets_a_verdict_and_none_is_blamed(tmp_path, capsys, require_local):
    data = tmp_path / "KernelBench"
    (data / "level1").mkdir(parents=True)
    (data / "level2").mkdir()
    (data / "level1" / "19_ReLU.py").write_text((FIXTURES / "relu_problem.py").read_text())
    (data / "level2" / "1_Sleeps.py").write_text(SLOW_PROBLEM)
    (data / "level2" / "__init__.py").write_text("")  # not a problem
    out = tmp_path / "sizes.json"
    # 20 s: a fitting problem's torch import and calls stay well inside it on a loaded
    # machine (at 4 s CI's loaded run timed the ReLU problem out, and blamed it).
    code = main(["bench", "kernel_sizes", "--data", str(tmp_path), "--json", str(out),
                 "sandbox=local", "judge.kernel.limits.run_timeout_s=20"])
    figures = json.loads(out.read_text())
    assert code == 0, figures
    assert figures["counts"] == {"ok": 1, "judge_limit": 1, "blamed": 0}
    rows = {r["problem"]: r for r in figures["rows"]}
    assert set(rows) == {"level1/19_ReLU.py", "level2/1_Sleeps.py"}
    assert rows["level1/19_ReLU.py"]["status"] == "ok"
    limit = rows["level2/1_Sleeps.py"]
    assert limit["verdict"] == "judge_limit" and "run_timeout_s" in limit["fix"], limit

    # Started again into the same file with the same settings: nothing is judged twice
    # (a sweep of hours survives an interrupt), and a row of a file outside this run's
    # selection (an earlier --every) stays in the file.
    (data / "level1" / "19_ReLU.py").write_text("this file is not read again")
    elsewhere = {**rows["level1/19_ReLU.py"], "problem": "level3/7_Elsewhere.py"}
    out.write_text(json.dumps({**figures, "rows": figures["rows"] + [elsewhere]}))
    assert main(["bench", "kernel_sizes", "--data", str(tmp_path), "--json", str(out),
                 "sandbox=local", "judge.kernel.limits.run_timeout_s=20"]) == code
    assert json.loads(out.read_text())["rows"] == figures["rows"] + [elsewhere]
    # Other settings: an error naming the change, and the file is left as it was.
    before = out.read_bytes()
    assert main(["bench", "kernel_sizes", "--data", str(tmp_path), "--json", str(out),
                 "sandbox=local", "judge.kernel.limits.run_timeout_s=21"]) == 2
    assert "other settings (judge.limits.run_timeout_s: 20 -> 21)" in capsys.readouterr().err
    assert out.read_bytes() == before


@pytest.mark.parametrize("content", ['{"rows": []}', '[1, 2]', '{"rows": ["x"], "settings": {}}', "not json",
                                     '{"figures": "of another bench"}'])
def test_a_json_file_that_is_not_a_kernel_sizes_result_is_never_overwritten(tmp_path, capsys, content):
    (tmp_path / "level1").mkdir()
    (tmp_path / "level1" / "19_ReLU.py").write_text((FIXTURES / "relu_problem.py").read_text())
    out = tmp_path / "other.json"
    out.write_text(content)
    assert main(["bench", "kernel_sizes", "--data", str(tmp_path), "--json", str(out), "sandbox=local"]) == 2
    assert "the file exists and is not a kernel_sizes result" in capsys.readouterr().err
    assert out.read_text() == content


def test_a_folder_without_problem_files_is_a_user_error(tmp_path):
    from maxcode.selfbench.kernel_sizes import problem_files

    with pytest.raises(UserError, match="no level1/level2/level3 problem files"):
        problem_files(str(tmp_path), quick=False)
    with pytest.raises(UserError, match="not a directory"):
        problem_files(str(tmp_path / "missing"), quick=False)


def test_every_nth_file_of_each_level_in_problem_number_order(tmp_path):
    from maxcode.selfbench.kernel_sizes import problem_files

    for level, count in (("level1", 12), ("level2", 3)):
        (tmp_path / level).mkdir()
        for n in range(1, count + 1):
            (tmp_path / level / f"{n}_P{n}.py").write_text("")
    names = [name for name, _ in problem_files(str(tmp_path), quick=False, every=5)]
    assert names == ["level1/1_P1.py", "level1/6_P6.py", "level1/11_P11.py", "level2/1_P1.py"]
    assert len(problem_files(str(tmp_path), quick=False)) == 15
    with pytest.raises(UserError, match="--every 0"):
        problem_files(str(tmp_path), quick=False, every=0)
