"""Host-side comparison of one call's outputs: candidate claim vs reference truth.

Runs in the judge's own process on tensors loaded with `torch.load(weights_only=True)`, so
nothing the candidate defined (subclasses, patched functions) exists here. Each check
returns a `Verdict` (None means "passes"); the pipeline turns the first one into an
Evaluation.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import torch
from maxcode.records.evaluation import Mismatch, Status

FLOAT_RANK = {torch.float64: 3, torch.float32: 2, torch.float16: 1, torch.bfloat16: 1}


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str
    mismatch: Mismatch | None = None


@dataclass(frozen=True)
class ComparisonLimits:
    """allclose tolerances by output dtype, and the precision bound of fp32/fp64 outputs."""

    atol: float = 1e-2
    rtol: float = 1e-2
    max_rel_error_fp32: float = 1e-4
    """Largest relative L2 error ||c - r|| / ||r|| of an fp32 output: fp16/bf16 compute
    (relative rounding ~3e-4 / ~2e-3) passes atol=rtol=1e-2 but not this."""
    max_rel_error_fp64: float = 1e-8


def load_outputs(blob: bytes) -> list[torch.Tensor]:
    """Deserialize one call's outputs without running any pickled code."""
    with warnings.catch_warnings():  # a forged blob's pickle protocol is not worth a warning
        warnings.simplefilter("ignore")
        values = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    if not isinstance(values, list) or not all(type(v) is torch.Tensor for v in values):
        raise ValueError("outputs are not a list of plain tensors")
    return values


def _summary(t: torch.Tensor) -> str:
    flat = t.detach().reshape(-1)[:6].tolist() if t.numel() else []
    return f"{tuple(t.shape)} {str(t.dtype).removeprefix('torch.')} first={flat}"


def compare(
    expected: list[torch.Tensor], got: list[torch.Tensor], tol: ComparisonLimits, trial: str
) -> Verdict | None:
    if len(expected) != len(got):
        return Verdict(
            Status.WRONG_ANSWER, f"{trial}: forward returned {len(got)} tensors, expected {len(expected)}"
        )
    for i, (ref, cand) in enumerate(zip(expected, got, strict=False)):
        where = f"{trial}, output {i}" if len(expected) > 1 else trial
        verdict = _compare_one(ref, cand, tol, where)
        if verdict is not None:
            return verdict
    return None


def _compare_one(ref: torch.Tensor, cand: torch.Tensor, tol: ComparisonLimits, where: str) -> Verdict | None:
    if cand.is_meta or cand.layout != torch.strided:
        return Verdict(Status.REJECTED, f"{where}: output is a {cand.layout}/{cand.device} tensor without real data")
    if tuple(cand.shape) != tuple(ref.shape):
        return Verdict(
            Status.WRONG_ANSWER,
            f"{where}: output shape {tuple(cand.shape)}, expected {tuple(ref.shape)}",
            Mismatch(test=where, expected=_summary(ref), got=_summary(cand)),
        )
    if cand.dtype != ref.dtype:
        lower = FLOAT_RANK.get(cand.dtype, 0) < FLOAT_RANK.get(ref.dtype, 0)
        return Verdict(
            Status.REJECTED if lower else Status.WRONG_ANSWER,
            f"{where}: output dtype {cand.dtype}, expected {ref.dtype}"
            + (" (reduced precision)" if lower else ""),
        )
    if _fake_broadcast(ref, cand):
        return Verdict(
            Status.REJECTED,
            f"{where}: output is an expanded view (stride 0) of {cand.untyped_storage().nbytes()} bytes",
        )
    if cand.dtype.is_floating_point or cand.dtype.is_complex:
        if not bool(torch.isfinite(cand).all()):
            return Verdict(
                Status.WRONG_ANSWER,
                f"{where}: output contains NaN or Inf",
                Mismatch(test=where, expected=_summary(ref), got=_summary(cand)),
            )
    ref64, cand64 = ref.to(torch.float64), cand.to(torch.float64)
    if not torch.allclose(cand64, ref64, atol=tol.atol, rtol=tol.rtol):
        diff = (cand64 - ref64).abs()
        worst = int(diff.reshape(-1).argmax()) if diff.numel() else 0
        return Verdict(
            Status.WRONG_ANSWER,
            f"{where}: outputs differ beyond atol={tol.atol}, rtol={tol.rtol} "
            f"(max abs error {float(diff.max()):.3g} at flat index {worst})",
            Mismatch(
                test=where,
                expected=_summary(ref),
                got=_summary(cand),
                max_abs_error=float(diff.max()),
            ),
        )
    bound = {torch.float32: tol.max_rel_error_fp32, torch.float64: tol.max_rel_error_fp64}.get(ref.dtype)
    if bound is not None and ref.numel():
        rel = float((cand64 - ref64).norm() / ref64.norm().clamp_min(1e-30))
        if rel > bound:
            return Verdict(
                Status.REJECTED,
                f"{where}: relative error {rel:.2e} exceeds {bound:.0e} for {ref.dtype} "
                "(reduced-precision compute or an approximation)",
            )
    return None


def _fake_broadcast(ref: torch.Tensor, cand: torch.Tensor) -> bool:
    """A stride-0 dimension of size > 1 the reference output does not have."""
    def zero_strided(t: torch.Tensor) -> bool:
        return any(s == 0 and n > 1 for s, n in zip(t.stride(), t.shape, strict=False))

    return zero_strided(cand) and not zero_strided(ref)


# Hoeffding: for a fixed error vector e and random +-1 probes v, P(|v.e| > k ||e||) <=
# 2 exp(-k^2 / 2); k = 6 gives 3e-8 per probe, so a correct output is never refused.
PROBE_SIGMAS = 6.0


def check_fingerprint(expected: list[dict], got: list[dict], tol: ComparisonLimits, trial: str) -> Verdict | None:
    """Compare a timed call's fingerprints with the reference's for the same inputs.

    If every element meets |c - r| <= atol + rtol |r| = t, each projection differs by at
    most PROBE_SIGMAS * ||t||_2 (with overwhelming probability); ||t||^2 expands into the
    sums the reference reported.
    """
    if len(expected) != len(got):
        return Verdict(Status.WRONG_ANSWER, f"{trial}: forward returned {len(got)} tensors, expected {len(expected)}")
    for i, (ref, cand) in enumerate(zip(expected, got, strict=True)):
        where = f"{trial}, output {i}" if len(expected) > 1 else trial
        if cand.get("shape") != ref["shape"]:
            return Verdict(Status.WRONG_ANSWER, f"{where}: output shape {cand.get('shape')}, expected {ref['shape']}")
        if cand.get("dtype") != ref["dtype"]:
            return Verdict(Status.REJECTED, f"{where}: output dtype {cand.get('dtype')}, expected {ref['dtype']}")
        if not cand.get("finite", False):
            return Verdict(Status.WRONG_ANSWER, f"{where}: output contains NaN or Inf")
        n = 1
        for d in ref["shape"]:
            n *= d
        t_norm = (n * tol.atol**2 + 2 * tol.atol * tol.rtol * ref["sum_abs"] + tol.rtol**2 * ref["sum_sq"]) ** 0.5
        bound = PROBE_SIGMAS * t_norm
        for pr, pc in zip(ref["p"], cand.get("p") or [], strict=False):  # lengths checked below
            if not abs(pc - pr) <= bound:
                return Verdict(
                    Status.REJECTED,
                    f"{where}: a timed call's output does not match the reference "
                    f"(probe {pc:.6g} vs {pr:.6g}, bound {bound:.3g}): outputs replayed, cached "
                    "or computed outside the timed call",
                )
        if len(cand.get("p") or []) != len(ref["p"]):
            return Verdict(Status.REJECTED, f"{where}: malformed fingerprint")
    return None
