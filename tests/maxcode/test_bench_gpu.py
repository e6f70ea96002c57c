"""`maxcode bench gpu` off a GPU: it says there is nothing to prove and exits 2; the parts it
reads (exploit files, CUDA-L1's JSON lines) are checked here so the lent GPU's minutes are
not spent finding a typo."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from maxcode.records.evaluation import Evaluation, Status

from maxcode.selfbench import gpu


def test_without_a_cuda_device_it_says_so_and_exits_2():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    done = subprocess.run([sys.executable, "-m", "maxcode.cli.main", "bench", "gpu", "sandbox=local"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no CUDA device" in done.stdout, done.stdout + done.stderr


def test_every_listed_exploit_and_kernel_exists():
    for name in gpu.CUDA_EXPLOITS:
        assert (gpu.EXPLOITS / name).is_file(), name
    for name in ("softmax_problem.py", "softmax_aten_kernel.py", "relu_aten_kernel.py",
                 "relu_passes_problem.py", "relu_passes_fewer.py"):
        assert (gpu.KERNELS / name).is_file(), name
    assert (gpu.FIXTURES / "relu_cuda.py").is_file()


class _RecordingJudge:
    """Stands in for the kernel judge: this test is about reading CUDA-L1's file."""

    def __init__(self):
        self.seen: list[str] = []

    def evaluate(self, problem: str, candidate: str) -> Evaluation:
        self.seen.append(candidate)
        return Evaluation(status=Status.OK, correct=True, speedup=1.5, speedup_ci=(1.2, 1.8), significant=True)


def test_cuda_l1_sample_skips_tasks_without_a_kernel_and_keeps_the_reported_figure(tmp_path):
    folder = tmp_path / "optimized_cuda_code"
    folder.mkdir()
    entries = [
        {"level_id": 1, "task_id": 1, "ref_code": "R1", "custom_code": "K1", "score_default": 2.75},
        {"level_id": 1, "task_id": 2, "ref_code": "R2", "custom_code": None, "score_default": None},
        {"level_id": 2, "task_id": 7, "ref_code": "R3", "custom_code": "K3", "score_default": 1.1},
        {"level_id": 3, "task_id": 9, "ref_code": "R4", "custom_code": "K4", "score_default": 0.9},
    ]
    (folder / "h100.json").write_text("".join(json.dumps(e) + "\n" for e in entries))
    judge, figures = _RecordingJudge(), {"parts": {}}
    out = tmp_path / "gpu.json"
    rows = gpu._cuda_l1(judge, str(tmp_path), 2, gpu.Budget(600), out, figures)
    assert judge.seen == ["K1", "K3"]
    assert [(r["task"], r["reported"], r["speedup"]) for r in rows] == [("level1/1", 2.75, 1.5), ("level2/7", 1.1, 1.5)]
    assert json.loads(out.read_text())["parts"]["cuda_l1"][1]["task"] == "level2/7"  # saved as it goes
    with pytest.raises(FileNotFoundError, match="optimized_cuda_code"):
        gpu._cuda_l1(judge, str(tmp_path / "nothing"), 2, gpu.Budget(600), None, {"parts": {}})


def test_summary_lists_an_exploit_verdict_outside_its_allowed_set():
    figures = {"parts": {
        "aa": {"relu: Model as ModelNew": [{"significant": False, "speedup": 0.99}, {"significant": True, "speedup": 1.2}]},
        "known_1_3x": [{"significant": True, "speedup": 1.3}, {"significant": False, "speedup": 1.1}],
        "exploits": {"side_stream.py": {"judge_bug": False}, "patch_timers.py": {"judge_bug": True}},
    }}
    gpu._summarize(figures)
    s = figures["summary"]
    assert s["aa relu: Model as ModelNew"] == {"judgements": 2, "significant": 1, "median": pytest.approx(1.095)}
    assert s["known 1.3x detected"] == "1/2" and s["exploits"]["judge_bugs"] == ["patch_timers.py"]
