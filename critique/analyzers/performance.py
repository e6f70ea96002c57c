"""Speed of a correct candidate: vs the baseline and vs the best found so far, with intervals."""

from __future__ import annotations

from maxcode.critique.base import CritiqueContext
from maxcode.records.diagnosis import Finding
from maxcode.records.evaluation import Evaluation


def _ci(ci: tuple[float, float] | None) -> str:
    return f" (95% CI {ci[0]:.2f}–{ci[1]:.2f})" if ci else ""


def speed_verdict(evaluation: Evaluation) -> str:
    """`faster`, `slower`, `no_change` (not significant) or `untimed`.

    The judge's `significant` decides: with too few rounds it reports the observed range
    as the interval and claims nothing, so the range alone must not be read as a verdict.
    """
    if evaluation.speedup is None:
        return "untimed"
    if not evaluation.significant:
        return "no_change"
    return "faster" if evaluation.speedup > 1 else "slower"


def analyze_speed(evaluation: Evaluation, context: CritiqueContext | None) -> list[Finding]:
    """One finding: the speedup, whether it is significant, and the gap to the best so far."""
    verdict = speed_verdict(evaluation)
    data: dict[str, object] = {
        "speedup": evaluation.speedup,
        "speedup_ci": list(evaluation.speedup_ci) if evaluation.speedup_ci else None,
        "verdict": verdict,
    }
    if verdict == "untimed":
        return [Finding(analyzer="performance", summary="Correct, but not timed.", data=data)]
    s = evaluation.speedup or 0.0
    text = {
        "faster": f"Correct and {s:.2f}x faster than the baseline{_ci(evaluation.speedup_ci)}.",
        "slower": f"Correct but {1 / s:.2f}x slower than the baseline (speedup {s:.2f}{_ci(evaluation.speedup_ci)}).",
        "no_change": f"Correct; speedup {s:.2f}{_ci(evaluation.speedup_ci)} is not significantly different from 1: the change did not touch the bottleneck.",
    }[verdict]
    ci = evaluation.speedup_ci
    if verdict == "no_change" and ci and (ci[0] > 1 or ci[1] < 1):
        # The judge ran out of timing budget before it had rounds enough for an interval.
        rounds = (evaluation.details or {}).get("rounds")
        direction = "slower" if ci[1] < 1 else "faster"
        text = (
            f"Correct; speedup {s:.2f}, every one of the {rounds or 'few'} timing round(s) {direction} "
            f"(range {ci[0]:.2f}–{ci[1]:.2f}), but too few rounds for a 95% interval: likely {direction}, not proven."
        )
        data["likely"] = direction
    if evaluation.baseline_instructions and evaluation.candidate_instructions:
        text += f" Instructions: {evaluation.candidate_instructions:,} vs baseline {evaluation.baseline_instructions:,}."
        data["candidate_instructions"] = evaluation.candidate_instructions
        data["baseline_instructions"] = evaluation.baseline_instructions
    elif evaluation.baseline_time_s and evaluation.candidate_time_s:
        text += f" Median time {evaluation.candidate_time_s * 1e3:.2f} ms vs baseline {evaluation.baseline_time_s * 1e3:.2f} ms."
    if context and context.best_speedup:
        best = context.best_speedup
        data["best_speedup"] = best
        ratio = s / best
        data["vs_best"] = ratio
        if ratio >= 1:
            text += (
                f" This is the new best (previous best {best:.2f}x{_ci(context.best_speedup_ci)})."
            )
        else:
            text += f" The best so far is {best:.2f}x{_ci(context.best_speedup_ci)}; this one reaches {ratio:.0%} of it."
    return [Finding(analyzer="performance", summary=text, data=data)]
