"""Where a kernel's output is wrong, and what the pattern of the error suggests.

Given the reference and candidate tensors of one trial, `tensor_error_profile` summarizes
the error (max/mean, the worst index, how many elements fail, where they sit) as a JSON-safe
dict; `classify_tensor_error` reads the pattern:
- indexing: failures only on the borders, in a strided subset, or a contiguous tail;
- dtype: every element off by a uniform small relative error (~1e-3 is half precision);
- reduction order: tiny relative errors spread everywhere (float sums in another order);
- nan/inf, shape: what they say.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from maxcode.records.diagnosis import Finding
from maxcode.records.evaluation import Evaluation

# Relative error of a round-trip through each reduced precision (unit roundoff).
FP16_EPS = 2.0**-11
BF16_EPS = 2.0**-8


def tensor_error_profile(
    expected: Any, got: Any, atol: float = 1e-2, rtol: float = 1e-2
) -> dict[str, Any]:
    """Summarize the difference of two arrays (numpy, torch or nested lists) as a dict."""
    exp = np.asarray(_to_numpy(expected), dtype=np.float64)
    out = np.asarray(_to_numpy(got), dtype=np.float64)
    profile: dict[str, Any] = {
        "shape": list(exp.shape),
        "got_shape": list(out.shape),
        "atol": atol,
        "rtol": rtol,
    }
    if exp.shape != out.shape:
        return profile
    finite = np.isfinite(out)
    profile["nan_count"] = int(np.isnan(out).sum())
    profile["inf_count"] = int(np.isinf(out).sum())
    diff = np.where(finite, np.abs(out - exp), np.inf)
    failing = ~(diff <= atol + rtol * np.abs(exp))
    rel = diff / np.maximum(np.abs(exp), 1e-12)
    profile["numel"] = int(exp.size)
    profile["mismatched"] = int(failing.sum())
    finite_diff = diff[np.isfinite(diff)]
    profile["max_abs_error"] = float(finite_diff.max()) if finite_diff.size else float("inf")
    profile["mean_abs_error"] = float(finite_diff.mean()) if finite_diff.size else float("inf")
    worst = int(np.argmax(np.where(np.isfinite(diff), diff, np.finfo(np.float64).max)))
    worst_index = [int(i) for i in np.unravel_index(worst, exp.shape)] if exp.ndim else []
    profile["worst_index"] = worst_index
    profile["worst_expected"] = float(exp.flat[worst]) if exp.size else 0.0
    profile["worst_got"] = float(out.flat[worst]) if out.size else 0.0
    nonzero = np.abs(exp) > 1e-6
    rel_nz = rel[nonzero & np.isfinite(rel)]
    profile["median_rel_error"] = float(np.median(rel_nz)) if rel_nz.size else 0.0
    profile["max_rel_error"] = float(rel_nz.max()) if rel_nz.size else 0.0
    # The 90th percentile, because outputs near zero (cancellation) inflate the max.
    profile["p90_rel_error"] = float(np.quantile(rel_nz, 0.9)) if rel_nz.size else 0.0
    changed = diff > 0
    profile["frac_elements_changed"] = float(changed.mean()) if diff.size else 0.0
    # Among elements whose expected value is non-zero: zeros (e.g. after a ReLU) survive
    # any precision loss unchanged and would hide a uniform relative error.
    profile["frac_nonzero_changed"] = float(changed[nonzero].mean()) if nonzero.any() else 0.0
    if failing.any() and exp.ndim:
        idx = np.argwhere(failing)
        profile["first_mismatch_index"] = [int(i) for i in idx[0]]
        on_border = np.zeros(len(idx), dtype=bool)
        for dim, size in enumerate(exp.shape):
            if size > 2:
                on_border |= (idx[:, dim] == 0) | (idx[:, dim] == size - 1)
        profile["frac_mismatches_on_border"] = float(on_border.mean())
        flat = np.flatnonzero(failing.ravel())
        profile["first_bad_flat"] = int(flat[0])
        # A tail: nothing fails before the first bad element, and (almost) every element
        # after it whose expected value is non-zero fails (zeros may match by accident).
        tail_nonzero = np.abs(exp.ravel()[flat[0] :]) > 1e-12
        tail_failing = failing.ravel()[flat[0] :]
        profile["mismatches_form_tail"] = bool(
            flat[0] > 0 and tail_nonzero.any() and tail_failing[tail_nonzero].mean() >= 0.9
        )
        last = idx[:, -1]
        stride = int(np.gcd.reduce(last)) if len(last) and last.any() else 0
        profile["last_dim_stride"] = (
            stride if stride > 1 and len(np.unique(last)) < exp.shape[-1] else 0
        )
    return profile


def classify_tensor_error(profile: dict[str, Any]) -> tuple[str, str]:
    """(pattern, explanation); pattern is one of shape, nan_inf, dtype, reduction_order, indexing, wrong_values, none."""
    if profile.get("shape") != profile.get("got_shape"):
        return (
            "shape",
            f"output shape {profile.get('got_shape')} differs from the expected {profile.get('shape')}",
        )
    if profile.get("nan_count") or profile.get("inf_count"):
        return (
            "nan_inf",
            f"{profile.get('nan_count', 0)} NaN and {profile.get('inf_count', 0)} Inf values: uninitialized memory, a division by zero, or overflow in exp/accumulation",
        )
    if not profile.get("mismatched"):
        return (
            "none",
            f"outputs agree within tolerance (max abs error {profile.get('max_abs_error', 0):.3g})",
        )
    med, mx = profile.get("median_rel_error", 0.0), profile.get("p90_rel_error", 0.0)
    spread = profile.get("frac_nonzero_changed", 0.0)
    border = profile.get("frac_mismatches_on_border", 0.0)
    if profile.get("mismatches_form_tail"):
        return (
            "indexing",
            f"every element from flat index {profile.get('first_bad_flat')} on is wrong and none before: a remainder/tail not processed (grid or vector-width rounding)",
        )
    if (
        profile.get("mismatched")
        and border >= 0.9
        and profile.get("mismatched", 0) < profile.get("numel", 1)
    ):
        return (
            "indexing",
            f"{border:.0%} of the mismatches lie on the tensor's borders: boundary handling (padding, halo, first/last row or column)",
        )
    if profile.get("last_dim_stride"):
        return (
            "indexing",
            f"mismatches sit at last-dimension indices that are multiples of {profile['last_dim_stride']}: a stride or vector-width indexing bug",
        )
    if spread > 0.5 and FP16_EPS / 8 <= med <= BF16_EPS * 2 and mx < 0.05:
        kind = "bfloat16" if med > FP16_EPS else "float16"
        return (
            "dtype",
            f"nearly every element is off by a uniform small relative error (median {med:.1e}, 90th percentile {mx:.1e}), the signature of computing in {kind}: keep float32 (or accumulate in float32)",
        )
    if spread > 0.5 and med < FP16_EPS / 8 and mx < 1e-2:
        return (
            "reduction_order",
            f"tiny relative errors everywhere (median {med:.1e}): float sums in a different order; accumulate in a wider type or use a pairwise/blocked sum",
        )
    return (
        "wrong_values",
        f"{profile.get('mismatched')} of {profile.get('numel')} elements wrong with no boundary, stride or precision pattern: the computation itself differs",
    )


def analyze_tensor_error(profile: dict[str, Any], trial: str | None = None) -> list[Finding]:
    """One finding: error size, where it is worst, and the pattern's likely cause."""
    pattern, why = classify_tensor_error(profile)
    where = f" on {trial}" if trial else ""
    if pattern in ("shape", "nan_inf"):
        summary = f"Wrong output{where}: {why}."
    else:
        summary = (
            f"Wrong output{where}: {profile.get('mismatched')}/{profile.get('numel')} elements outside tolerance, "
            f"max abs error {profile.get('max_abs_error', 0):.3g} at index {profile.get('worst_index')} "
            f"(expected {profile.get('worst_expected', 0):.5g}, got {profile.get('worst_got', 0):.5g}), "
            f"mean abs error {profile.get('mean_abs_error', 0):.3g}. Pattern: {pattern} — {why}."
        )
    return [Finding(analyzer="wrong_answer", summary=summary, data={"pattern": pattern, **profile})]


def _to_numpy(value: Any) -> Any:
    # torch tensors (possibly on a GPU) without importing torch here.
    if hasattr(value, "detach"):
        return value.detach().float().cpu().numpy()
    return value


_SHAPE = re.compile(r"^\((?P<dims>[\d,\s]*)\)")
_FLAT = re.compile(r"max abs error (?P<err>[\d.eE+-]+) at flat index (?P<flat>\d+)")


def analyze_kernel_mismatch(evaluation: Evaluation) -> list[Finding]:
    """When the judge kept only a summary: error size, and where the worst element sits."""
    mismatch = evaluation.mismatch
    where = evaluation.failing_test or (mismatch.test if mismatch else "a trial")
    summary = f"Wrong output on {where}: {evaluation.message}"
    data: dict[str, Any] = {"test": where}
    shape_match = _SHAPE.match(mismatch.expected) if mismatch else None
    flat_match = _FLAT.search(evaluation.message)
    if shape_match and flat_match:
        shape = [int(d) for d in shape_match.group("dims").replace(" ", "").split(",") if d]
        flat = int(flat_match.group("flat"))
        if shape and flat < int(np.prod(shape)):
            index = [int(i) for i in np.unravel_index(flat, shape)]
            border = [
                d
                for d, (i, n) in enumerate(zip(index, shape, strict=True))
                if n > 2 and i in (0, n - 1)
            ]
            data.update(
                {
                    "shape": shape,
                    "worst_index": index,
                    "max_abs_error": float(flat_match.group("err")),
                }
            )
            summary += f". Worst element at index {index} of shape {shape}"
            if border:
                summary += f", on the border of dimension(s) {border}: check boundary handling"
                data["worst_on_border"] = True
            elif flat == int(np.prod(shape)) - 1:
                summary += ", the very last element: check the tail/remainder loop"
    return [Finding(analyzer="wrong_answer", summary=summary + ".", data=data)]
