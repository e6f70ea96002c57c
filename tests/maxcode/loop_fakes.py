"""Fakes for unit-testing the loop around the judge and the proposer (never the thing a
test claims works). The fake judge reads its verdict from markers in the candidate:
`SPEED=2.5` -> correct with that speedup, `WRONG` -> wrong answer, `BOOM` -> the judge raises.
"""

from __future__ import annotations

import re
import threading

from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Evaluation, Status

from maxcode.observation import Observation
from maxcode.proposers.base import Reply

TASK = Task(id="fake/sum", family="cpp", language="cpp",
            baseline_source="int main() { /* slow */ return 0; }\n")


def program(tag: str) -> str:
    return f"// {tag}\nint main() {{ return 0; }}\n"


def reply_for(tag: str) -> str:
    return f"Here you go:\n```cpp\n{program(tag)}```\n"


class FakeJudge:
    """Verdict from markers; counts calls (`calls`: the search's judgements, `retimings`:
    the answer's full-budget re-timings); thread-safe."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.retimings: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, task: Task, source: str, incumbent: float | None = None,
                 full_budget: bool = False) -> Evaluation:
        with self._lock:
            (self.retimings if full_budget else self.calls).append(source)
        if "BOOM" in source:
            raise RuntimeError("judge bug")
        if "WRONG" in source:
            return Evaluation.failure(Status.WRONG_ANSWER, "output differs on test 1")
        match = re.search(r"SPEED=([\d.]+)", source)
        speed = float(match.group(1)) if match else 1.0
        significant = abs(speed - 1.0) > 0.05
        return Evaluation(status=Status.OK, correct=True, message="ok", speedup=speed,
                          speedup_ci=(speed * 0.95, speed * 1.05), significant=significant)


class ScriptedProposer:
    """Hands out scripted replies in order (cycling), billing tokens like an LLM would."""

    model = "scripted"

    def __init__(self, replies: list[str], prompt_tokens: int = 100, completion_tokens: int = 10) -> None:
        self.replies = replies
        self.prompt_tokens, self.completion_tokens = prompt_tokens, completion_tokens
        self.requests: list[tuple[Observation, int]] = []

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        self.requests.append((observation, k))
        out = []
        for i in range(k):
            text = self.replies[(observation.serial + i) % len(self.replies)]
            out.append(Reply(text=text, model=self.model, calls=int(i == 0),
                             prompt_tokens=self.prompt_tokens if i == 0 else 0,
                             completion_tokens=self.completion_tokens))
        return out
