"""Racing in the loop: the judge hears the best so far, and the answer is re-timed in full.

The judge here is a stand-in that behaves like the early-stopping timers (a decided timing
says why it stopped); the real timers' rule is tested in tests/sandbox/test_sequential.py
and the C++ judge end to end in tests/sandbox/test_cpp_judge.py.
"""

from __future__ import annotations

from loop_fakes import FakeJudge, ScriptedProposer, reply_for

from maxcode.budget import Budget
from maxcode.report.artifacts import summarize
from maxcode.search.refine import Refine
from records.run import FINAL_TIMING


class DecidingJudge(FakeJudge):
    """A FakeJudge whose timings stop early on a decision, and run in full when asked."""

    def __init__(self) -> None:
        super().__init__()
        self.incumbents: list[float | None] = []
        self.full_budget_calls: list[str] = []

    def __call__(self, task, source, incumbent=None, full_budget=False):
        ev = super().__call__(task, source)
        if full_budget:
            self.full_budget_calls.append(source)
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
    assert judge.full_budget_calls == [search.tree.best().source]
    assert search.meter.usage().evaluations == 3
    record = search.store.read_json(FINAL_TIMING)
    assert record["node"] == search.tree.best().id
    summary = summarize(search.tree, search.store, "t", "refine", search.meter.usage(),
                        Budget(), "done", "cpp")
    assert summary["best_speedup"] == 3.0 * 0.97
    assert summary["best_retimed"]["search_speedup"] == 3.0
    # A resume finds the re-timing done and does not repeat it.
    search.retime_best()
    assert len(judge.full_budget_calls) == 1


def test_no_racing_when_switched_off(make_search):
    judge = DecidingJudge()
    search = make_search(Refine(steps=2), ScriptedProposer([reply_for("SPEED=2.0"), reply_for("SPEED=2.5")]), judge=judge,
                         workers=1, race=False, budget=Budget(max_wall_s=None, max_evaluations=2))
    search.run()
    assert judge.incumbents == [None, None] and judge.full_budget_calls == []


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
    assert summary["best_speedup_vs_compile"] == 1.5 and summary["best_speedup_vs_compile_ci"] == [3.0 / 2.2, 3.0 / 1.8]
    search.compare_with_compile()  # a resume finds it done
    assert len(judge.versus_compile_calls) == 1
    # Off (the default), or a C++ task: nothing is compiled.
    off = make_search(Refine(steps=1), ScriptedProposer([reply_for("SPEED=2.0")]), judge=CompilingJudge(),
                      workers=1, run_dir=search.store.dir.parent / "off", budget=Budget(max_wall_s=None, max_evaluations=1))
    off.run()
    assert off.judge.versus_compile_calls == []
    assert summarize(off.tree, off.store, "t", "refine", off.meter.usage(), Budget(), "done",
                     "cpp")["best_speedup_vs_compile"] is None
