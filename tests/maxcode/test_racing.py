"""Racing in the loop: the judge hears the best so far; and the answer, whatever racing
did, is re-timed in full once, afresh, and a re-timing that fails says so.

The judge here is a stand-in that behaves like the early-stopping timers (a decided timing
says why it stopped); the real timers' rule is tested in tests/sandbox/test_sequential.py
and the C++ judge end to end in tests/sandbox/test_cpp_judge.py.
"""

from __future__ import annotations

import json

import pytest
from loop_fakes import TASK, FakeJudge, ScriptedProposer, program, reply_for
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.run import FINAL_TIMING
from maxcode.records.summary import RunSummary

from maxcode.budget import Budget
from maxcode.report.artifacts import summarize, write_artifacts
from maxcode.search.refine import Refine


class DecidingJudge(FakeJudge):
    """A FakeJudge whose timings stop early on a decision, and run in full when asked."""

    def __init__(self) -> None:
        super().__init__()
        self.incumbents: list[float | None] = []

    def __call__(self, task, source, incumbent=None, full_budget=False):
        ev = super().__call__(task, source, full_budget=full_budget)
        if full_budget:
            # The whole budget narrows the interval around a slightly lower figure.
            ev.speedup *= 0.97
            ev.speedup_ci = (ev.speedup * 0.99, ev.speedup * 1.01)
            ev.details["stop_reason"] = "max_seconds"
            return ev
        self.incumbents.append(incumbent)
        ev.details["stop_reason"] = "faster" if ev.significant else "max_seconds"
        return ev


def test_the_judge_is_told_the_best_so_far_and_the_best_is_retimed(make_search, tmp_path):
    judge = DecidingJudge()
    replies = [reply_for("SPEED=2.0"), reply_for("SPEED=3.0"), reply_for("SPEED=1.2")]
    search = make_search(Refine(steps=3), ScriptedProposer(replies), judge=judge, workers=1,
                         budget=Budget(max_wall_s=None, max_evaluations=3))
    search.run()
    # Step 1 has no claim to race against; later steps get the best's lower bound.
    assert judge.incumbents[0] is None
    assert judge.incumbents[1] == 2.0 * 0.95 and judge.incumbents[2] == 3.0 * 0.95
    # The answer (3.0x, timed until decided) is re-timed once with the full budget, which
    # is not an evaluation of the budget.
    assert judge.retimings == [search.tree.best().source]
    assert search.meter.usage().evaluations == 3
    record = search.store.read_json(FINAL_TIMING)
    assert record["node"] == search.tree.best().id
    summary = summarize(search.tree, search.store, "t", "refine", search.meter.usage(),
                        Budget(), "done", "cpp")
    assert summary.best_speedup == 3.0 * 0.97
    assert summary.best_retimed.search_speedup == 3.0
    # A resume finds the re-timing done and does not repeat it.
    search.retime_best()
    assert len(judge.retimings) == 1


def _summary(search) -> RunSummary:
    return summarize(search.tree, search.store, "t", "refine", search.meter.usage(), Budget(), "done", "cpp")


def test_without_racing_the_answer_is_still_retimed(make_search):
    """The answer is the winner of a selection over noisy estimates, raced or not: its own
    figure is biased upward, and the figure claimed is its re-timing."""
    judge = DecidingJudge()
    search = make_search(Refine(steps=2), ScriptedProposer([reply_for("SPEED=2.0"), reply_for("SPEED=2.5")]), judge=judge,
                         workers=1, race=False, budget=Budget(max_wall_s=None, max_evaluations=2))
    search.run()
    assert judge.incumbents == [None, None]
    assert judge.retimings == [search.tree.best().source]
    summary = _summary(search)
    assert summary.best_speedup == 2.5 * 0.97 and summary.best_retimed.search_speedup == 2.5


def test_an_answer_timed_in_full_is_retimed(make_search):
    """A timing that ran its whole budget is still the one the answer was chosen on."""
    judge = FakeJudge()  # its verdicts carry no early stop
    search = make_search(Refine(steps=2), ScriptedProposer([reply_for("SPEED=2.0"), reply_for("SPEED=3.0")]),
                         judge=judge, workers=1, budget=Budget(max_wall_s=None, max_evaluations=2))
    search.run()
    assert judge.retimings == [search.tree.best().source]
    assert search.meter.usage().evaluations == 2  # not an evaluation of the budget
    assert _summary(search).best_retimed.status == "ok"


def test_a_resume_keeps_the_retiming_and_a_new_answer_gets_its_own(make_search, tmp_path):
    run_dir = tmp_path / "run"
    replies = [reply_for("SPEED=2.0"), reply_for("SPEED=3.0"), reply_for("SPEED=5.0")]

    def run(evaluations: int) -> FakeJudge:
        judge = FakeJudge()
        make_search(Refine(steps=None), ScriptedProposer(replies), judge=judge, workers=1, run_dir=run_dir,
                    budget=Budget(max_wall_s=None, max_evaluations=evaluations)).run()
        return judge

    assert run(2).retimings == [program("SPEED=3.0")]
    assert run(2).retimings == []  # the same answer: its re-timing is kept
    again = run(3)
    assert again.calls == again.retimings == [program("SPEED=5.0")]
    assert json.loads((run_dir / FINAL_TIMING).read_text())["node"] == 3


class CppJudgeOver:
    """What `Judging` builds for the cpp family, answering with a fake's verdicts."""

    def __init__(self, fake: FakeJudge) -> None:
        self.fake = fake

    family = "cpp"

    def evaluate(self, baseline, candidate, tests=(), *, tolerance=None, incumbent=None, full_budget=False,
                 versus_compile=None):
        return self.fake(TASK, candidate, incumbent, full_budget)


def test_the_retiming_is_measured_afresh_not_served_from_the_verdict_memo(make_search, tmp_path, monkeypatch):
    """A stored verdict was measured before the answer was chosen; the re-timing is the
    measurement taken after. The search's own verdicts still go through the memo."""
    from maxcode.config import load_config
    from maxcode.judging import Judging

    cfg = load_config([f"judge.memo={tmp_path / 'memo.jsonl'}", f"paths.cache_dir={tmp_path / 'cache'}"])
    answer = program("SPEED=3.0")
    # Another run of the sweep (or an older MaxCode) stored a full-budget verdict of the answer.
    earlier = Judging(cfg, backend=object()).memo
    key = earlier.key(TASK, answer, full_budget=True, versus_compile=False)
    earlier.put(key, TASK, Evaluation(status=Status.OK, correct=True, speedup=9.9, speedup_ci=(9.8, 10.0),
                                      significant=True))
    judging, fake = Judging(cfg, backend=object()), DecidingJudge()
    monkeypatch.setattr(judging, "judge_for", lambda family: CppJudgeOver(fake))
    search = make_search(Refine(steps=2), ScriptedProposer([reply_for("SPEED=2.0"), reply_for("SPEED=3.0")]),
                         judge=judging, workers=1, budget=Budget(max_wall_s=None, max_evaluations=2))
    search.run()
    assert search.tree.best().source == answer
    assert fake.retimings == [answer]
    assert _summary(search).best_speedup == 3.0 * 0.97
    assert judging.memo.stored == 2 and judging.memo.hits == 0  # the search's two verdicts only


class FailingRetimeJudge(FakeJudge):
    """The search's verdicts of a FakeJudge; the answer's re-timing fails as `retime` does."""

    def __init__(self, retime) -> None:
        super().__init__()
        self.retime = retime

    def __call__(self, task, source, incumbent=None, full_budget=False):
        ev = super().__call__(task, source, incumbent, full_budget)
        return self.retime() if full_budget else ev


def _crash():
    raise RuntimeError("sandbox lost")


@pytest.mark.parametrize("retime, status, message", [
    (lambda: Evaluation.failure(Status.WRONG_ANSWER, "output differs on test 3"), "wrong_answer",
     "output differs on test 3"),
    (_crash, "judge_error", "judge error: builtins.RuntimeError: sandbox lost"),
])
def test_a_failed_retiming_is_said_in_the_summary_and_the_report(make_search, retime, status, message):
    """The answer is not claimed as a verified speedup: the summary keeps the search's figure
    and says the re-timing failed and why; the report's verdict says it is unconfirmed."""
    search = make_search(Refine(steps=2), ScriptedProposer([reply_for("SPEED=2.0"), reply_for("SPEED=3.0")]),
                         judge=FailingRetimeJudge(retime), workers=1,
                         budget=Budget(max_wall_s=None, max_evaluations=2))
    search.run()
    best = search.tree.best()
    write_artifacts(search.tree, search.store, _summary(search), "cpp")
    summary = json.loads((search.store.dir / "summary.json").read_text())
    assert summary["best_speedup"] == 3.0 and summary["best_node"] == best.id
    retimed = summary["best_retimed"]
    assert (retimed["node"], retimed["status"], retimed["message"]) == (best.id, status, message)
    assert retimed["speedup"] is None and retimed["search_speedup"] == 3.0
    report = (search.store.dir / "report.md").read_text()
    assert (f"unconfirmed: node #{best.id}'s re-timing with the full budget failed ({status}: {message}); "
            "the search measured 3.000x") in report
    search.retime_best()  # a resume keeps the failed re-timing: the answer was judged again once
    assert search.judge.retimings == [best.source]


class CompilingJudge(FakeJudge):
    """A FakeJudge that also times a kernel reference through torch.compile when asked."""

    def __init__(self) -> None:
        super().__init__()
        self.versus_compile_calls: list[str] = []

    def __call__(self, task, source, incumbent=None, full_budget=False, versus_compile=False):
        ev = super().__call__(task, source)
        if versus_compile:
            self.versus_compile_calls.append(source)
            ev.speedup_vs_compile, ev.speedup_vs_compile_ci = ev.speedup / 2, (ev.speedup / 2.2, ev.speedup / 1.8)
        return ev


def test_a_kernel_answer_is_timed_against_torch_compile_once(make_search):
    import dataclasses

    judge = CompilingJudge()
    replies = [reply_for("SPEED=2.0"), reply_for("SPEED=3.0")]
    search = make_search(Refine(steps=2), ScriptedProposer(replies), judge=judge, workers=1, versus_compile=True,
                         budget=Budget(max_wall_s=None, max_evaluations=2))
    search.task = dataclasses.replace(search.task, family="kernel")
    search.run()
    best = search.tree.best()
    assert judge.versus_compile_calls == [best.source]  # the answer only, not every candidate
    summary = summarize(search.tree, search.store, "t", "refine", search.meter.usage(), Budget(), "done", "cpp")
    assert summary.best_speedup_vs_compile == 1.5 and summary.best_speedup_vs_compile_ci == [3.0 / 2.2, 3.0 / 1.8]
    search.compare_with_compile()  # a resume finds it done
    assert len(judge.versus_compile_calls) == 1
    # Off (the default), or a C++ task: nothing is compiled.
    off = make_search(Refine(steps=1), ScriptedProposer([reply_for("SPEED=2.0")]), judge=CompilingJudge(),
                      workers=1, run_dir=search.store.dir.parent / "off", budget=Budget(max_wall_s=None, max_evaluations=1))
    off.run()
    assert off.judge.versus_compile_calls == []
    assert summarize(off.tree, off.store, "t", "refine", off.meter.usage(), Budget(), "done",
                     "cpp").best_speedup_vs_compile is None
