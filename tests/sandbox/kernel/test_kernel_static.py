"""Static checks: each exploit trips its rule; legitimate kernels trip none."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_kernel_paths import EXPLOITS, FIXTURES, SUITE

from sandbox.judges.kernel import static_checks as sc

RELU = (FIXTURES / "relu_problem.py").read_text()

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
    assert [f.rule for f in report.errors] == [sc.REFERENCE_OP.id]


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


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SUITE.glob("variants/level1/*/*.py")) + [FIXTURES / "relu_kernel.py", FIXTURES / "relu_cuda.py"],
    ids=lambda p: f"{Path(p).parent.name}/{Path(p).name}",
)
def test_legitimate_kernels_pass_strict(path):
    problem = SUITE / "level1" / f"{Path(path).parent.name}.py"
    reference = problem.read_text() if problem.exists() else RELU
    report = sc.check_candidate(Path(path).read_text(), "strict", reference, True)
    assert report.findings == [], report.findings


def test_reference_ops_of_the_relu_problem():
    assert sc.reference_ops(RELU) == {"relu"}
