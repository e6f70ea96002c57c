"""`critique=none`: the loop runs without a critique (the ablation baseline)."""

from __future__ import annotations

from benchmarks.task import Task
from critique.base import SOURCE_NONE, CritiqueContext, Diagnosis
from sandbox.evaluation import Evaluation


class NoCritique:
    """Returns an empty diagnosis, so the observation carries only the raw verdict."""

    def diagnose(
        self,
        task: Task,
        candidate_source: str,
        evaluation: Evaluation,
        context: CritiqueContext | None = None,
    ) -> Diagnosis:
        return Diagnosis(text="", tags={"failure_class": evaluation.status.value}, source=SOURCE_NONE)
