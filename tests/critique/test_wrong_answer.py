"""Wrong-answer analysis: the C++ judge's real mismatches and real wrong tensors."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from critique_support import PIE_MINI
from maxcode.critique.analyzers.tensor_errors import (
    analyze_tensor_error,
    classify_tensor_error,
    tensor_error_profile,
)
from maxcode.critique.analyzers.wrong_answer import analyze_cpp_mismatch
from maxcode.records.evaluation import Status


def _judged(judge, task, source: str):
    evaluation = judge.evaluate(task.baseline_source, source, task.tests)
    assert evaluation.status is Status.WRONG_ANSWER, evaluation.message
    return evaluation


def test_int_overflow_recognized(judge, range_sum):
    """The suite's own `wrong` variant keeps prefix sums in int; the large tests overflow."""
    source = (PIE_MINI / "pm01_range_sum" / "variants" / "wrong.cpp").read_text()
    evaluation = _judged(judge, range_sum, source)
    finding = analyze_cpp_mismatch(evaluation)[0]
    assert finding.data["test"] == evaluation.failing_test == evaluation.mismatch.test
    assert finding.data["line"] == evaluation.mismatch.line
    assert "2^32" in finding.data["hint"] or "32 bits" in finding.data["hint"]
    assert finding.data["abs_error"] == abs(
        float(evaluation.mismatch.got) - float(evaluation.mismatch.expected)
    )


def test_off_by_one_recognized(judge, range_sum):
    source = range_sum.baseline_source.replace(
        "for (int i = l - 1; i < r; i++)", "for (int i = l; i < r; i++)"
    )
    evaluation = _judged(judge, range_sum, source)
    finding = analyze_cpp_mismatch(evaluation)[0]
    # Dropping a[l-1] is off by exactly one only when that element is ±1; otherwise the
    # analyzer must still report the error size it measured.
    expected, got = float(evaluation.mismatch.expected), float(evaluation.mismatch.got)
    assert finding.data["abs_error"] == abs(expected - got)
    assert f"line {evaluation.mismatch.line}" in finding.summary
    if abs(expected - got) == 1:
        assert finding.data["hint"].startswith("off by one")


def test_missing_output_recognized(judge, range_sum):
    source = range_sum.baseline_source.replace(
        "for (int k = 0; k < q; k++)", "for (int k = 0; k < q - 1; k++)"
    )
    evaluation = _judged(judge, range_sum, source)
    finding = analyze_cpp_mismatch(evaluation)[0]
    assert finding.data["hint"] == "missing_output" and "printed nothing" in finding.summary


def _inputs():
    torch.manual_seed(0)
    return torch.randn(64, 128), torch.randn(128, 96)


def test_half_precision_matmul_is_a_dtype_pattern():
    x, w = _inputs()
    profile = tensor_error_profile(x @ w, (x.half() @ w.half()).float(), atol=1e-4, rtol=1e-4)
    pattern, why = classify_tensor_error(profile)
    assert pattern == "dtype" and "float16" in why
    bf16 = tensor_error_profile(x @ w, (x.bfloat16() @ w.bfloat16()).float(), atol=1e-4, rtol=1e-4)
    assert (
        classify_tensor_error(bf16)[0] == "dtype" and "bfloat16" in classify_tensor_error(bf16)[1]
    )


def test_summation_order_is_a_reduction_pattern():
    x = torch.randn(32, 4096)
    profile = tensor_error_profile(x.sum(1), x.flip(1).sum(1), atol=0.0, rtol=0.0)
    assert classify_tensor_error(profile)[0] == "reduction_order"


def test_wrong_padding_is_an_indexing_pattern_at_the_border():
    img, k = torch.randn(1, 1, 24, 24), torch.randn(1, 1, 3, 3)
    ref = F.conv2d(img, k, padding=1)
    got = F.conv2d(F.pad(img, (1, 1, 1, 1), mode="replicate"), k)
    profile = tensor_error_profile(ref, got)
    assert classify_tensor_error(profile)[0] == "indexing"
    worst = profile["worst_index"]
    assert worst[2] in (0, 23) or worst[3] in (0, 23)


def test_unprocessed_tail_is_an_indexing_pattern():
    # A vectorized loop that stops at the last multiple of 64 and forgets the remainder.
    x = torch.randn(1000)
    got = torch.zeros_like(x)
    cut = (x.numel() // 64) * 64
    got[:cut] = torch.relu(x[:cut])
    profile = tensor_error_profile(torch.relu(x), got)
    pattern, why = classify_tensor_error(profile)
    assert pattern == "indexing" and str(profile["first_bad_flat"]) in why
    assert profile["first_bad_flat"] >= cut


def test_strided_errors_are_an_indexing_pattern():
    x = torch.randn(16, 64)
    got = x.clone()
    got[:, ::8] += 1.0  # every 8th column wrong, as with a vector-width stride bug
    profile = tensor_error_profile(x, got)
    assert classify_tensor_error(profile)[0] == "indexing"
    assert profile["last_dim_stride"] == 8


def test_nan_and_shape_patterns_and_finding_text():
    x = torch.randn(8, 8)
    assert classify_tensor_error(tensor_error_profile(x, torch.log(x)))[0] == "nan_inf"
    assert classify_tensor_error(tensor_error_profile(x, x.T[:4]))[0] == "shape"
    finding = analyze_tensor_error(tensor_error_profile(x, x * 2), trial="trial 0")[0]
    assert finding.data["pattern"] == "wrong_values" and "trial 0" in finding.summary
