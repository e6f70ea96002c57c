"""How the loop calls a critique (diagnosis stored, shown next step, LLM critic billed) and
the reward-to-go ranker hook (order, cut to rank_keep)."""

from __future__ import annotations

from chat_server import FIXTURE_NOTE, ChatServer
from loop_fakes import ScriptedProposer, reply_for
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.node import NodeStatus

from maxcode.loop import CriticLedger
from maxcode.observation import ObservationConfig
from maxcode.proposers.openai_compat import OpenAIProposer
from maxcode.search.best_of_n import BestOfN
from maxcode.search.refine import Refine


class AskingCritique:
    """Test critique: asks its text generator about the verdict and returns the answer."""

    def __init__(self, generate) -> None:
        self.generate = generate

    def diagnose(self, task, candidate_source, evaluation, context=None):
        return Diagnosis(text=self.generate(f"verdict: {evaluation.status.value}"), tags={"step": context.step})


def test_llm_critic_diagnosis_is_stored_shown_and_billed(make_search, tmp_path):
    with ChatServer(lambda body, served: f"{FIXTURE_NOTE} diagnosis #{served}") as server:
        llm = OpenAIProposer(model="fixture-model", base_url=server.base_url, cache_path=str(tmp_path / "c.sqlite"))
        ledger = CriticLedger()
        proposer = ScriptedProposer([reply_for("WRONG"), reply_for("SPEED=2.0")])
        search = make_search(Refine(steps=2), proposer, observation=ObservationConfig(diagnosis=True))
        search.critique, search.critic_ledger = AskingCritique(llm.text_generator(on_reply=ledger)), ledger
        search.run()
    first = search.tree.by_id[1]
    assert first.diagnosis.text.endswith("diagnosis #1") and first.diagnosis.tags == {"step": 1}
    assert first.critic_usage.calls == 1 and first.critic_usage.prompt_tokens == 50
    usage = search.meter.usage()
    assert usage.llm_calls == 2 + 2  # two proposals (scripted) + two critic requests
    # Step 2 builds on the baseline (the wrong candidate is not kept), so its prompt carries
    # no diagnosis; a refine from a kept node would (see test_diagnosis_of_the_parent...).
    assert "diagnosis of the current program" not in proposer.requests[1][0].text


def test_diagnosis_of_the_parent_reaches_the_proposer(make_search):
    class Fixed:
        def diagnose(self, task, candidate_source, evaluation, context=None):
            return Diagnosis(text="memory-bound: fuse the two passes")

    proposer = ScriptedProposer([reply_for("SPEED=2.0"), reply_for("SPEED=3.0")])
    search = make_search(Refine(steps=2), proposer, observation=ObservationConfig(diagnosis=True))
    search.critique = Fixed()
    search.run()
    assert "memory-bound: fuse the two passes" in proposer.requests[1][0].text


def test_ranker_orders_and_cuts_candidates(make_search):
    class PreferLast:
        def rank(self, observation, candidates):
            assert "Optimize this program" in observation
            return list(reversed(range(len(candidates))))

    proposer = ScriptedProposer([reply_for("SPEED=1.5"), reply_for("SPEED=2.0"), reply_for("SPEED=3.0")])
    search = make_search(BestOfN(n=3, batch=3), proposer, rank_keep=2)
    search.ranker = PreferLast()
    search.run()
    statuses = [n.status for n in search.tree.candidates()]
    assert statuses[:3] == [NodeStatus.SKIPPED, NodeStatus.OK, NodeStatus.OK]
    # Best-of-3 judges 3 samples: a second step proposes the one still missing.
    assert len(statuses) == 4 and search.meter.usage().evaluations == 3


def test_the_cut_counts_distinct_programs_so_a_duplicate_takes_no_place(make_search):
    # [A, A, B, C] with rank_keep=2: the copy of A is a duplicate (no judgement), so the two
    # judged are A and B; C is below the cut. Before, the cut came first and judged only A.
    a, b, c = reply_for("SPEED=1.5"), reply_for("SPEED=2.0"), reply_for("SPEED=3.0")
    search = make_search(BestOfN(n=4, batch=4), ScriptedProposer([a, a, b, c]), rank_keep=2)
    search.run()
    nodes = search.tree.candidates()
    assert search.meter.usage().evaluations == 2
    assert [n.duplicate_of is not None for n in nodes[:4]] == [False, True, False, False]
    assert [n.status for n in nodes[:4]] == [NodeStatus.OK, NodeStatus.OK, NodeStatus.OK, NodeStatus.SKIPPED]


def test_rank_keep_applies_without_a_ranker_and_best_of_n_counts_judged_samples(make_search):
    # The control arm of a reranking ablation: the proposer's own order, cut like the ranked
    # arm; best-of-4 then judges 4 samples, not 2 (skipped proposals are no samples).
    replies = [reply_for(f"SPEED={1 + i / 10}") for i in range(8)]
    proposer = ScriptedProposer(replies)
    search = make_search(BestOfN(n=4, batch=4), proposer, rank_keep=2)
    search.run()
    statuses = [n.status for n in search.tree.candidates()]
    assert search.meter.usage().evaluations == 4
    assert statuses == [NodeStatus.OK, NodeStatus.OK, NodeStatus.SKIPPED, NodeStatus.SKIPPED,
                        NodeStatus.OK, NodeStatus.OK]
    assert [k for _, k in proposer.requests] == [4, 2]  # the second step asks for the 2 missing


def test_a_copy_of_a_program_below_the_cut_is_not_judged_either(make_search):
    class Reverse:
        def rank(self, observation, candidates):
            return list(reversed(range(len(candidates))))

    from maxcode.budget import Budget

    a, b = reply_for("SPEED=1.5"), reply_for("SPEED=2.0")
    # Proposed [B, A, B, C], ranked [C, B, A, B]: C is judged; B is cut, and so is its copy.
    search = make_search(BestOfN(n=4, batch=4), ScriptedProposer([b, a, b, reply_for("SPEED=3.0")]), rank_keep=1,
                         budget=Budget(max_evaluations=1, max_wall_s=None))
    search.ranker = Reverse()
    search.run()
    judged = [n for n in search.tree.candidates() if n.evaluated]
    assert search.meter.usage().evaluations == 1 and judged[0].speedup == 3.0


def test_the_random_ranker_is_a_seeded_permutation_that_a_resume_repeats(make_search):
    """ranker=random, the floor of the ranker ablation: every order of 4 candidates shows up
    over seeds, and one seed ranks the same candidates the same way each time (a resumed step
    must cut where the crashed one did)."""
    from maxcode.ranking import RandomRanker

    sources = [f"int main() {{ return {i}; }}" for i in range(4)]
    orders = {tuple(RandomRanker(seed).rank("observation", sources)) for seed in range(200)}
    assert len(orders) == 24 and all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert RandomRanker(7).rank("observation", sources) == RandomRanker(7).rank("observation", sources)
    assert RandomRanker(7).rank("another step", sources) != RandomRanker(7).rank("observation", sources) or \
        RandomRanker(8).rank("another step", sources) != RandomRanker(8).rank("observation", sources)

    # In the loop: the two judged are the two the ranker put first; the rest are skipped.
    class Recording(RandomRanker):
        def rank(self, observation, candidates):
            self.order = super().rank(observation, candidates)
            return self.order

    from maxcode.budget import Budget

    speeds = [f"SPEED={1 + i / 10}" for i in range(4)]
    search = make_search(BestOfN(n=4, batch=4), ScriptedProposer([reply_for(s) for s in speeds]), rank_keep=2,
                         budget=Budget(max_evaluations=2, max_wall_s=None))
    search.ranker = ranker = Recording(3)
    search.run()
    judged = {n.speedup for n in search.tree.candidates() if n.evaluated}
    assert judged == {1 + i / 10 for i in ranker.order[:2]}
    assert sorted(n.status.value for n in search.tree.candidates()) == ["ok", "ok", "skipped", "skipped"]
