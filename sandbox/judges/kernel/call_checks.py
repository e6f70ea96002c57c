"""Host-side checks of every call a candidate's process made, against the reference's calls.

Nothing the candidate's process reports is believed except through these: its outputs are
compared with the reference's (whole, sampled, or by random-projection fingerprints), its
inputs' digests after each call must equal the reference's digests before it, and a call it
skipped or invented is rejected. Used by the correctness, timing and re-verification stages.
"""

from __future__ import annotations

from maxcode.records.evaluation import Evaluation, Status
from maxcode.sandbox.judges.kernel.compare import (
    ComparisonLimits,
    Verdict,
    check_fingerprint,
    compare,
    load_outputs,
)
from maxcode.sandbox.judges.kernel.sides import JudgeFailure, Side
from maxcode.sandbox.judges.kernel.worker_report import Trial


def check_trials(ref: Side, cand: Side, tol: ComparisonLimits) -> None:
    """Every call of the reference's process made by the candidate's, each output and input
    checked (`check_calls`); a skipped call is rejected."""
    trials = ref.record.trials
    expected = {t.seed: t for t in trials}
    ref_blobs = {t.seed: ref.blob(t.output) for t in trials if t.output is not None}
    samples = {t.seed: ref.blob(t.sample) for t in trials if t.sample is not None}
    check_calls(expected, ref_blobs, cand, tol, samples)
    missing = {t.seed for t in trials} - {t.seed for t in cand.record.trials}
    if missing:
        raise JudgeFailure(Evaluation.failure(
            Status.REJECTED, f"the candidate skipped {len(missing)} of the judged calls",
            failing_test="trials",
        ))

def check_calls(
    expected: dict[int, Trial], ref_blobs: dict[int, bytes], cand: Side, tol: ComparisonLimits,
    ref_samples: dict[int, bytes] | None = None,
) -> None:
    """Each of the candidate's calls against the reference's call of the same seed: known seed,
    no output aliasing an input, inputs bitwise unchanged, outputs within tolerance (whole,
    sampled, or through their fingerprints). The first failure raises its verdict."""
    for n, trial in enumerate(cand.record.trials):
        seed = trial.seed
        name = f"{trial.phase} trial {n}"
        if seed not in expected:
            raise JudgeFailure(Evaluation.failure(Status.REJECTED, f"{name}: unknown seed", failing_test=name))
        if trial.aliases_input:
            raise JudgeFailure(Evaluation.failure(
                Status.REJECTED, f"{name}: the output shares memory with an input",
                failing_test=name,
            ))
        if trial.inputs_after != expected[seed].inputs_before:
            raise JudgeFailure(Evaluation.failure(
                Status.REJECTED, f"{name}: the candidate modified its inputs",
                failing_test=name,
            ))
        if expected[seed].output is None and (ref_samples or {}).get(seed) is not None:
            # An output too large to keep whole: the same sampled elements of both sides
            # compared element by element (a small error everywhere can hide in the
            # projections below, whose bound is several times the tolerance's norm).
            compare_saved(ref_samples[seed], cand, trial.sample, tol, name, "sampled outputs",
                           f"{name} (sampled elements)")
        if expected[seed].output is None:
            try:
                verdict = check_fingerprint(expected[seed].fingerprint, trial.fingerprint, tol, name)
            except (KeyError, TypeError, ValueError) as exc:
                verdict = Verdict(Status.REJECTED, f"{name}: malformed trial record ({exc})")
            if verdict is not None and trial.phase == "correctness" and "does not match" in verdict.message:
                # A correctness call too large to keep whole: a mismatch is a wrong answer.
                verdict = Verdict(Status.WRONG_ANSWER, (
                    f"{name}: the output differs from the reference beyond tolerance (checked by "
                    "random projections: the output is larger than judge.kernel.checks.max_saved_output_bytes)"))
            if verdict is not None:
                raise JudgeFailure(Evaluation.failure(verdict.status, verdict.message, failing_test=name))
            continue
        compare_saved(ref_blobs[seed], cand, trial.output, tol, name, "outputs", name)


def compare_saved(want_blob: bytes, cand: Side, index: int | None, tol: ComparisonLimits, name: str, what: str,
                   label: str) -> None:
    """Compare saved reference tensors with the candidate's blob `index`; raise its verdict."""
    try:
        got = load_outputs(cand.blob(index))
    except Exception as exc:
        raise JudgeFailure(Evaluation.failure(
            # The first line only: torch's message goes on to suggest loading untrusted bytes
            # with weights_only=False, which is not advice for a proposer.
            Status.REJECTED, f"{name}: {what} are not plain tensors ({str(exc).splitlines()[0][:160]})",
            failing_test=name, error_type=f"{type(exc).__module__}.{type(exc).__name__}",
        )) from None
    verdict = compare(load_outputs(want_blob), got, tol, label)
    if verdict is not None:
        raise JudgeFailure(Evaluation.failure(
            verdict.status, verdict.message, mismatch=verdict.mismatch, failing_test=name,
        ))

