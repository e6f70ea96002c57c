"""`critique=llm`: an LLM reads the facts the rules established and writes the diagnosis.

The prompt (`prompts/critique.txt`) gives the model the task, the candidate, the judge's raw
feedback and the rule-based findings, and asks for a short diagnosis plus 2-4 prioritized
suggestions without code. The model always arrives as an injected `TextGenerator` (in the
search, a proposer backend's `text_generator()`, which caches and bills the replies like
proposals); this module neither loads models nor caches. Whatever goes wrong with the
model, the rule-based diagnosis is returned instead and its `source` says why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from maxcode.benchmarks.task import Task
from maxcode.critique.base import CritiqueContext, TextGenerator
from maxcode.critique.rules import RuleCritique
from maxcode.records.diagnosis import SOURCE_LLM, Diagnosis, rules_after_llm_failure
from maxcode.records.evaluation import Evaluation
from maxcode.sandbox.backends.base import Backend

log = logging.getLogger(__name__)

PROMPT_PATH = Path(__file__).parent / "prompts" / "critique.txt"
_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_DIAGNOSIS = re.compile(
    r"DIAGNOSIS:\s*(?P<text>.*?)(?=\n\s*SUGGESTIONS:|\Z)", re.DOTALL | re.IGNORECASE
)
_SUGGESTIONS = re.compile(r"SUGGESTIONS:\s*(?P<body>.*)", re.DOTALL | re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+(?P<item>.+)$", re.MULTILINE)


@dataclass
class CriticReply:
    diagnosis: str
    suggestions: list[str]


def parse_reply(reply: str, max_suggestions: int = 4, max_chars: int = 1500) -> CriticReply:
    """Diagnosis and suggestions from the model's reply; code blocks are dropped (no code)."""
    text = _FENCE.sub("", reply).strip()[: max_chars * 2]
    found = _DIAGNOSIS.search(text)
    diagnosis = (found.group("text") if found else text.split("SUGGESTIONS:")[0]).strip()
    suggestions: list[str] = []
    body = _SUGGESTIONS.search(text)
    if body:
        suggestions = [m.group("item").strip() for m in _ITEM.finditer(body.group("body"))]
    diagnosis = " ".join(diagnosis.split())[:max_chars]
    if not diagnosis and not suggestions:
        raise ValueError("the reply held neither a diagnosis nor suggestions")
    return CriticReply(
        diagnosis=diagnosis, suggestions=[s[:400] for s in suggestions[:max_suggestions]]
    )


class LLMCritique:
    """Rule findings + an LLM's reading of them; the rules alone when the LLM fails."""

    def __init__(
        self,
        generate: TextGenerator,
        *,
        model_id: str,
        backend: Backend | None = None,
        rules: dict[str, Any] | None = None,
        max_words: int = 200,
        max_source_chars: int = 6000,
        max_feedback_chars: int = 3000,
        prompt_path: str | None = None,
    ) -> None:
        """`generate` is the model and `model_id` its name (tagged on each diagnosis as
        `critic_model`); `backend` and `rules` configure the rule-based pass."""
        self.generate = generate
        self.model_id = model_id
        self.rules = RuleCritique(backend=backend, **(rules or {}))
        self.max_words = max_words
        self.max_source_chars = max_source_chars
        self.max_feedback_chars = max_feedback_chars
        self.template = Template(Path(prompt_path or PROMPT_PATH).read_text())

    def diagnose(
        self,
        task: Task,
        candidate_source: str,
        evaluation: Evaluation,
        context: CritiqueContext | None = None,
    ) -> Diagnosis:
        base = self.rules.diagnose(task, candidate_source, evaluation, context)
        prompt = self.build_prompt(task, candidate_source, evaluation, base, context)
        try:
            reply = self.generate(prompt)
            parsed = parse_reply(reply)
        except Exception as exc:  # any model failure: the rules' diagnosis still stands
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("LLM critic failed, using the rule-based diagnosis: %s", reason)
            base.source = rules_after_llm_failure(reason)
            return base
        text = parsed.diagnosis
        if parsed.suggestions:
            text += "\nSuggestions:\n" + "\n".join(
                f"{i}. {s}" for i, s in enumerate(parsed.suggestions, 1)
            )
        tags = {**base.tags, "critic_model": self.model_id}
        return Diagnosis(
            text=text,
            tags=tags,
            findings=base.findings,
            suggestions=parsed.suggestions,
            source=SOURCE_LLM,
        )

    def build_prompt(
        self,
        task: Task,
        candidate_source: str,
        evaluation: Evaluation,
        rules: Diagnosis,
        context: CritiqueContext | None,
    ) -> str:
        """The filled prompt template (sources and logs cut to their caps)."""
        feedback = "\n".join(
            part
            for part in (
                f"compiler:\n{_cut(evaluation.compile_log, self.max_feedback_chars)}"
                if evaluation.compile_log
                else "",
                f"runtime:\n{_cut(evaluation.runtime_log, self.max_feedback_chars)}"
                if evaluation.runtime_log
                else "",
            )
            if part
        )
        verdict = f"status={evaluation.status.value} correct={evaluation.correct}"
        if evaluation.speedup is not None:
            verdict += f" speedup={evaluation.speedup:.3f}"
        if evaluation.speedup_ci:
            verdict += f" ci=({evaluation.speedup_ci[0]:.3f}, {evaluation.speedup_ci[1]:.3f})"
        if evaluation.failing_test:
            verdict += f" failing_test={evaluation.failing_test}"
        verdict += f"\n{evaluation.message}"
        ctx = (
            "nothing correct yet"
            if not context or context.best_speedup is None
            else f"best speedup so far {context.best_speedup:.3f}"
        )
        description = f"{task.id} ({task.family}, {task.language})"
        if task.metadata.get("description"):
            description += f": {task.metadata['description']}"
        return self.template.safe_substitute(
            task_description=description,
            baseline=_cut(task.baseline_source, self.max_source_chars),
            candidate=_cut(candidate_source, self.max_source_chars),
            verdict=verdict,
            raw_feedback=feedback or "(none)",
            findings=rules.text or "(none)",
            context=ctx,
            max_words=self.max_words,
        )


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"
