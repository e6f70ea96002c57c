"""`proposer=rewrites` as a proposer: seeded and diagnosis-steered order, no rewrite twice on a
path, fewer candidates (never a crash) where nothing applies, names recorded, bad names in
config refused with the list of known ones; and stacking over the steps of a real loop."""

from __future__ import annotations

from pathlib import Path

import pytest
from loop_fakes import FakeJudge
from maxcode.benchmarks.task import Task
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash

from maxcode.budget import Budget
from maxcode.errors import ConfigError
from maxcode.observation import ObservationBuilder
from maxcode.proposers.rewrites import CATALOG, RewritesProposer
from maxcode.search.refine import Refine
from maxcode.search_tree import SearchTree

PIE = Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "pie_mini"
COUNT_QUERIES = (PIE / "pm14_count_queries" / "slow.cpp").read_text()


def observe(source: str, *, draw: int = 0, seed: int = 0, diagnosis: Diagnosis | None = None,
            path: list[str] | None = None, language: str = "cpp"):
    task = Task(id="t/x", family="cpp" if language == "cpp" else "kernel", language=language,
                baseline_source=source)
    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=source,
                source_hash=source_hash(source), diagnosis=diagnosis,
                proposer=ProposerInfo(meta={"rewrites_path": path} if path else {}))
    obs = ObservationBuilder().build(task, SearchTree([root]), root, draw_counts={}, serial=draw, seed=seed)
    obs.draw = draw
    return obs


def names(replies) -> list[str]:
    return [r.meta["rewrites"][0] for r in replies]


def test_replies_name_their_rewrite_and_are_not_a_model():
    replies = RewritesProposer().propose(observe(COUNT_QUERIES), 3)
    assert len(replies) == 3
    for reply in replies:
        assert reply.model == "rewrites" and reply.calls == 0 and reply.prompt_tokens == 0
        name = reply.meta["rewrites"][0]
        assert f"`{name}`" in reply.text and reply.meta["rewrites_path"] == [name]
        assert "```cpp\n" in reply.text and CATALOG[name].apply(COUNT_QUERIES).rstrip() in reply.text


def test_order_is_a_seeded_draw_and_successive_draws_differ():
    first = names(RewritesProposer().propose(observe(COUNT_QUERIES, seed=1), 8))
    again = names(RewritesProposer().propose(observe(COUNT_QUERIES, seed=1), 8))
    assert first == again and len(set(first)) == len(first)
    orders = {tuple(names(RewritesProposer().propose(observe(COUNT_QUERIES, seed=s), 8))) for s in range(6)}
    assert len(orders) > 1
    # Draws 0, 1, ... of a parent one at a time (as refine asks) give the same rewrites in order.
    one_by_one = [names(RewritesProposer().propose(observe(COUNT_QUERIES, seed=1, draw=d), 1))[0] for d in range(len(first))]
    assert one_by_one == first


def test_same_parent_asked_again_in_one_run_gets_new_rewrites():
    proposer = RewritesProposer()
    a = names(proposer.propose(observe(COUNT_QUERIES), 2))
    b = names(proposer.propose(observe(COUNT_QUERIES), 2))  # same prompt, draw not advanced
    assert not set(a) & set(b)


@pytest.mark.parametrize("bottleneck,family", [("container", {"ordered_to_unordered"}),
                                               ("io", {"fast_io", "endl_to_newline", "buffered_reader",
                                                       "buffered_writer"})])
def test_diagnosis_puts_the_rewrites_for_its_bottleneck_first(bottleneck, family):
    diagnosis = Diagnosis(text="profiled", tags={"bottleneck": bottleneck})
    for seed in range(5):
        got = names(RewritesProposer().propose(observe(COUNT_QUERIES, seed=seed, diagnosis=diagnosis), len(family)))
        assert set(got) == family
        assert names(RewritesProposer(steer=False).propose(observe(COUNT_QUERIES, seed=seed), 20))  # unsteered works


def test_diagnosis_text_without_tags_steers_too():
    diagnosis = Diagnosis(text="Container code dominates (stl_tree.h): use a hash table.", tags={})
    got = names(RewritesProposer().propose(observe(COUNT_QUERIES, diagnosis=diagnosis), 1))
    assert got == ["ordered_to_unordered"]


def test_a_rewrite_on_the_path_is_not_proposed_again():
    stacked = CATALOG["ordered_to_unordered"].apply(COUNT_QUERIES)
    stacked = CATALOG["pragma_optimize"].apply(stacked)
    replies = RewritesProposer().propose(observe(stacked, path=["ordered_to_unordered", "pragma_optimize"]), 20)
    got = names(replies)
    assert "ordered_to_unordered" not in got and "pragma_optimize" not in got and got
    assert all(r.meta["rewrites_path"][:2] == ["ordered_to_unordered", "pragma_optimize"] for r in replies)
    assert "on top of: ordered_to_unordered, pragma_optimize" in replies[0].text


def test_nothing_applicable_or_unparseable_gives_fewer_candidates_never_a_crash():
    proposer = RewritesProposer(exclude=["pragma_optimize", "pragma_target"])
    for junk in ("", "int main( {", "}}} for (;;) {{{", "\"unterminated\n", "int main() { return 0; }\n"):
        assert proposer.propose(observe(junk), 4) == []
    kernel_reference = "import torch\nclass Model(torch.nn.Module):\n    def forward(self, x):\n        return x\n"
    assert RewritesProposer().propose(observe(kernel_reference, language="python"), 4) == []
    everything = names(RewritesProposer().propose(observe(COUNT_QUERIES), 100))
    assert 0 < len(everything) < 100


def test_unknown_rewrite_names_are_refused_with_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        RewritesProposer(only=["fast_io", "fastest_io"])
    message = str(caught.value)
    assert "fastest_io" in message and "fast_io" in message and "loop_interchange" in message
    assert "\n" not in message
    only = RewritesProposer(only=["endl_to_newline"]).propose(observe(COUNT_QUERIES), 5)
    assert names(only) == ["endl_to_newline"]


class RewriteCountingJudge(FakeJudge):
    """Correct, 1.5x faster per I/O rewrite found in the program (a stand-in for the real
    judge: the loop and proposer are what this test checks)."""

    MARKS = ("sync_with_stdio", "<< '\\n'", "McReader", "McWriter")

    def __call__(self, task, source, incumbent=None, full_budget=False):
        super().__call__(task, source)
        speed = 1.5 ** sum(mark in source for mark in self.MARKS)
        return Evaluation(status=Status.OK, correct=True, message="ok", speedup=speed,
                          speedup_ci=(speed * 0.98, speed * 1.02), significant=speed > 1.0)


def test_refine_stacks_rewrites_over_steps_and_nodes_record_them(make_search):
    proposer = RewritesProposer(only=["fast_io", "endl_to_newline", "buffered_reader", "buffered_writer",
                                      "pragma_optimize"])
    search = make_search(Refine(steps=8), proposer, Budget(max_evaluations=8, max_wall_s=None),
                         judge=RewriteCountingJudge())
    search.task = Task(id="pm14", family="cpp", language="cpp", baseline_source=COUNT_QUERIES)
    search.run()
    nodes = list(search.tree.candidates())
    assert all(n.proposer.model == "rewrites" and n.proposer.meta["rewrites"] for n in nodes)
    best = search.tree.best()
    assert len(best.proposer.meta["rewrites_path"]) >= 3
    bests = []
    for step in range(1, search.tree.last_step() + 1):
        bests.append(max((n.speedup or 1.0) for n in nodes if n.step <= step))
    assert bests[-1] > bests[0] and bests == sorted(bests)
