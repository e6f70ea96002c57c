"""Static checks: each exploit trips its rule; legitimate kernels trip none.

Two corpora: the exploits (tests/sandbox/kernel/exploits/, every one rejected by the strict
preset when the task requires a custom kernel) and the legitimate candidates (every variant
of the built-in kernel suite, the kernel fixtures, and tests/sandbox/kernel/legit/: kernels
written the way models write them, each naming its problem), which no rule may reject under
the strict or the kernelbench preset.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from maxcode.sandbox.judges.kernel import static_checks as sc
from tests_kernel_paths import EXPLOITS, FIXTURES, HERE, SUITE

RELU = (FIXTURES / "relu_problem.py").read_text()
LEGIT = HERE / "legit"
REPO = HERE.parents[2]


def _problem_of(path: Path) -> Path:
    """The problem a legitimate candidate is written for."""
    if path.parent.parent.parent == SUITE / "variants":  # variants/levelN/<problem>/<label>.py
        return SUITE / path.parent.parent.name / f"{path.parent.name}.py"
    named = re.search(r"^Problem: (\S+)$", path.read_text(), re.M)
    if named:
        return LEGIT / named.group(1) if (LEGIT / named.group(1)).exists() else REPO / named.group(1)
    return FIXTURES / "relu_problem.py"


LEGIT_CORPUS = sorted(SUITE.glob("variants/level*/*/*.py")) + sorted(LEGIT.glob("*.py")) + [
    FIXTURES / "relu_kernel.py", FIXTURES / "relu_cuda.py", FIXTURES / "relu_slow_kernel.py"]
EXPLOIT_CORPUS = sorted(EXPLOITS.glob("*.py"))

# exploit file -> a rule that must reject it under the strict preset
EXPECTED_RULE = {
    "patch_allclose.py": sc.MONKEY_PATCH,
    "patch_timers.py": sc.DENIED_IMPORT,
    "patch_harness_clock.py": sc.DENIED_IMPORT,
    "forged_clock_full_work.py": sc.DENIED_IMPORT,
    "read_reference.py": sc.FILE_ACCESS,
    "side_stream.py": sc.SIDE_STREAM,
    "try_fallback.py": sc.TRY_EXCEPT,
    "tensor_subclass.py": sc.TENSOR_SUBCLASS,
    "meta_tensor.py": sc.TENSOR_SUBCLASS,
    "late_thread.py": sc.DENIED_IMPORT,
    "slow_down_reference.py": sc.MONKEY_PATCH,
    "fp16_compute.py": sc.PRECISION_DOWNGRADE,
    "bf16_output.py": sc.PRECISION_DOWNGRADE,
    "kernel_result_unused.py": sc.KERNEL_UNUSED,
    "copy_kernel.py": sc.REFERENCE_OP,
    "compile_wrapper.py": sc.REFERENCE_OP,
    "allow_tf32.py": sc.PRECISION_DOWNGRADE,
    "half_cast_kernel.py": sc.PRECISION_DOWNGRADE,
    "forge_harness_record.py": sc.DENIED_IMPORT,
    "poison_saved_outputs.py": sc.DENIED_IMPORT,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_RULE))
def test_strict_rejects_exploit(name):
    report = sc.check_candidate((EXPLOITS / name).read_text(), "strict", RELU, True)
    assert EXPECTED_RULE[name].id in {f.rule for f in report.errors}


def test_try_fallback_calls_reference_op():
    report = sc.check_candidate((EXPLOITS / "try_fallback.py").read_text(), "strict", RELU, True)
    assert sc.REFERENCE_OP.id in {f.rule for f in report.errors}


def test_plain_torch_rejected_when_kernel_required():
    report = sc.check_candidate((FIXTURES / "relu_torch.py").read_text(), "strict", RELU, True)
    assert sc.NO_CUSTOM_KERNEL.id in {f.rule for f in report.errors}
    assert not sc.check_candidate((FIXTURES / "relu_torch.py").read_text(), "strict", RELU, False).errors


def test_forward_calling_reference_layer():
    problem = (
        "import torch.nn as nn\nclass Model(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3)\n"
        "    def forward(self, x):\n        return self.conv(x)\n"
    )
    cand = (
        "import torch.nn as nn\nfrom torch.utils.cpp_extension import load_inline\n"
        "ext = load_inline(name='e', cpp_sources='', functions=[])\n"
        "class ModelNew(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 8, 3)\n    def forward(self, x):\n"
        "        return self.conv(x)\n"
    )
    report = sc.check_candidate(cand, "strict", problem, True)
    assert [(f.rule, f.line) for f in report.errors] == [(sc.KERNEL_UNUSED.id, 8), (sc.REFERENCE_OP.id, 9)]
    assert "nn.Conv2d" in report.errors[1].message


def test_native_escape_in_cpp_source():
    cand = (FIXTURES / "relu_kernel.py").read_text().replace(
        "#include <torch/extension.h>", '#include <torch/extension.h>\n#include <thread>'
    )
    report = sc.check_candidate(cand, "strict", RELU, True)
    assert sc.NATIVE_ESCAPE.id in {f.rule for f in report.errors}


def test_lenient_downgrades_only_false_positive_prone_rules():
    report = sc.check_candidate((EXPLOITS / "try_fallback.py").read_text(), "lenient", RELU, True)
    assert sc.TRY_EXCEPT.id in {f.rule for f in report.warnings}
    assert sc.REFERENCE_OP.id in {f.rule for f in report.errors}
    with pytest.raises(ValueError, match="unknown static-check preset"):
        sc.check_candidate("x = 1", "nope")


def test_off_preset_reports_nothing():
    assert sc.check_candidate((EXPLOITS / "patch_timers.py").read_text(), "off", RELU, True).findings == []


@pytest.mark.parametrize("path", LEGIT_CORPUS, ids=lambda p: str(Path(p).relative_to(REPO)))
def test_legitimate_candidates_pass(path):
    reference = _problem_of(path).read_text()
    for preset in ("strict", "kernelbench"):
        report = sc.check_candidate(path.read_text(), preset, reference, True)
        assert report.errors == [], (preset, report.errors)
    # Warnings only record library ops kept beside a kernel (a fusion) or side streams joined
    # back, never a hazard.
    strict = sc.check_candidate(path.read_text(), "strict", reference, True)
    assert {f.rule for f in strict.warnings} <= {sc.LIBRARY_OP.id, sc.SIDE_STREAM_JOINED.id}


def test_a_side_stream_is_rejected_until_it_is_joined_back():
    unjoined = (EXPLOITS / "side_stream.py").read_text()
    report = sc.check_candidate(unjoined, "strict", RELU)
    assert sc.SIDE_STREAM.id in {f.rule for f in report.errors}
    assert "join the side stream back" in report.errors[0].message
    joined = unjoined.replace("            return torch.relu(x)",
                              "            y = torch.relu(x)\n"
                              "        torch.cuda.current_stream().wait_stream(self.stream)\n"
                              "        return y")
    assert joined != unjoined
    report = sc.check_candidate(joined, "strict", RELU)
    assert report.errors == [] and {f.rule for f in report.warnings} == {sc.SIDE_STREAM_JOINED.id}
    assert all(f.line > 0 for f in report.warnings)
    legit = sc.check_candidate((LEGIT / "relu_two_streams_joined_cuda.py").read_text(), "strict", RELU, True)
    assert legit.errors == [] and sc.SIDE_STREAM_JOINED.id in {f.rule for f in legit.warnings}


@pytest.mark.parametrize("path", EXPLOIT_CORPUS, ids=lambda p: p.name)
def test_every_exploit_rejected_with_line_and_reason(path):
    report = sc.check_candidate(path.read_text(), "strict", RELU, True)
    assert report.errors, f"{path.name} passes the strict static checks"
    for finding in report.errors:
        assert finding.line > 0 or finding.rule == sc.NO_CUSTOM_KERNEL.id
        rule = next(r for r in sc.RULES if r.id == finding.rule)
        assert rule.attack in finding.message and f"fix: {rule.fix}" in finding.message


def test_corpus_sizes():
    """The counts the issue asks for: all legitimate pass (above), all exploits rejected."""
    assert len(LEGIT_CORPUS) >= 70 and len(EXPLOIT_CORPUS) >= 25


def test_level2_fusion_keeps_library_conv():
    path = LEGIT / "conv2d_library_fused_relu_bias_cuda.py"
    report = sc.check_candidate(path.read_text(), "strict", _problem_of(path).read_text(), True)
    assert report.errors == [] and [f.rule for f in report.warnings] == [sc.LIBRARY_OP.id]
    assert "self.conv (nn.Conv2d)" in report.warnings[0].message


HEADER = "import torch\nimport torch.nn as nn\n"


@pytest.mark.parametrize("line", [
    "torch.backends.cudnn.benchmark = True",
    "torch.backends.cudnn.deterministic = True",
    "torch.backends.cudnn.enabled = True",
    "torch.backends.cuda.matmul.allow_tf32 = False",
    "torch.set_float32_matmul_precision('highest')",
    "fan_in, _ = nn.init._calculate_fan_in_and_fan_out(torch.empty(3, 4))",
    "nn.init.kaiming_uniform_(torch.empty(3, 4), a=5 ** 0.5)",
    "from torch.nn.modules.utils import _pair",
    "import torch.backends.cudnn as cudnn\ncudnn.benchmark = True",
    "old = torch.backends.cudnn.benchmark\ntorch.backends.cudnn.benchmark = old",
    "y = torch.ones(2).__add__(1).__getitem__(0)",
    "_cache = None\ndef get():\n    global _cache\n    return _cache",
])
def test_process_settings_and_init_helpers_are_allowed(line):
    assert sc.check_candidate(HEADER + line + "\n", "strict", RELU).findings == []


@pytest.mark.parametrize("line, rule", [
    ("torch.allclose = lambda *a, **k: True", sc.MONKEY_PATCH),
    ("torch.backends.cudnn.benchmark = lambda: True", sc.MONKEY_PATCH),
    ("torch.backends.cudnn.is_available = lambda: False", sc.MONKEY_PATCH),
    ("torch.backends.cudnn = None", sc.MONKEY_PATCH),
    ("x = torch.ones(1)\ny = x.__class__.__bases__", sc.INTROSPECTION),
    ("torch.backends.cuda.matmul.allow_tf32 = True", sc.PRECISION_DOWNGRADE),
    ("torch.backends.cudnn.allow_tf32 = 1", sc.PRECISION_DOWNGRADE),
    ("torch.set_float32_matmul_precision('high')", sc.PRECISION_DOWNGRADE),
    ("y = torch.ones(3).to(torch.float16)", sc.PRECISION_DOWNGRADE),
    ("y = torch.ones(3, dtype=torch.bfloat16)", sc.PRECISION_DOWNGRADE),
    ("y = torch.ones(3).half()", sc.PRECISION_DOWNGRADE),
    ("with torch.autocast('cuda'):\n    y = 1", sc.PRECISION_DOWNGRADE),
    ("src = '__global__ void k(float* x, __half* y) { y[0] = __float2half(x[0]); }'", sc.PRECISION_DOWNGRADE),
    ("y = torch._C._get_tracing_state()", sc.PRIVATE_API),
    ("y = torch.nn.init._no_such_helper", sc.PRIVATE_API),
])
def test_hazards_still_caught(line, rule):
    report = sc.check_candidate(HEADER + line + "\n", "strict", RELU)
    assert rule.id in {f.rule for f in report.errors}, report.findings


def test_half_precision_problem_allows_half():
    half = (LEGIT / "problems" / "half_relu.py").read_text()
    cand = HEADER + "y = torch.ones(3).half()\nz = torch.zeros(2, dtype=torch.float16)\n"
    assert sc.check_candidate(cand, "strict", half).findings == []
    assert not sc.fp32_task(half) and sc.fp32_task(RELU)


def test_kernelbench_preset_reproduces_its_policy():
    """KernelBench's strict checks reject, its warning checks warn, the rest warns."""
    kb = sc.PRESETS["kernelbench"]
    assert {r for r, sev in kb.items() if sev == "error"} == {
        sc.TRY_EXCEPT.id, sc.PASS_STATEMENT.id, sc.MONKEY_PATCH.id, sc.THREADS.id,
        sc.TENSOR_SUBCLASS.id, sc.NO_CUSTOM_KERNEL.id}
    for rule in (sc.REFERENCE_OP, sc.LIBRARY_OP, sc.KERNEL_UNUSED, sc.SIDE_STREAM, sc.SIDE_STREAM_JOINED,
                 sc.PRECISION_DOWNGRADE):
        assert kb[rule.id] == "warning"
    # code_bypass: try/except and `pass` reject under kernelbench; `pass` is harmless under strict.
    bypass = HEADER + "class ModelNew(nn.Module):\n    pass\n"
    assert [f.rule for f in sc.check_candidate(bypass, "kernelbench").errors] == [sc.PASS_STATEMENT.id]
    assert sc.check_candidate(bypass, "strict").findings == []
    # torch computation ops beside a dummy kernel: a warning there, a rejection here.
    copy = (EXPLOITS / "copy_kernel.py").read_text()
    assert not sc.check_candidate(copy, "kernelbench", RELU, True).errors
    assert sc.check_candidate(copy, "strict", RELU, True).errors
    # thread injection rejects; an import KernelBench does not check (os) only warns.
    threads = HEADER + "import threading\nimport os\n"
    report = sc.check_candidate(threads, "kernelbench")
    assert {f.rule for f in report.errors} == {sc.THREADS.id}
    assert sc.DENIED_IMPORT.id in {f.rule for f in report.warnings}


def test_kernelbench_judge_config():
    from maxcode.config import load_config

    cfg = load_config(["judge=kernelbench"])
    assert cfg.judge.kernel.checks.static == "kernelbench"
    assert cfg.judge.kernel.checks.require_custom_kernel is True and cfg.judge.cpp.compiler


def test_reference_ops_of_the_relu_problem():
    assert sc.reference_ops(RELU) == {"relu"}
