"""How the loop calls a critique (diagnosis stored, shown next step, LLM critic billed) and
the reward-to-go ranker hook (order, cut to rank_keep)."""

from __future__ import annotations

from chat_server import FIXTURE_NOTE, ChatServer
from loop_fakes import ScriptedProposer, reply_for

from critique.base import Diagnosis
from maxcode.loop import CriticLedger
from maxcode.node import NodeStatus
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
    assert first.critic_usage["calls"] == 1 and first.critic_usage["prompt_tokens"] == 50
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
    assert statuses == [NodeStatus.SKIPPED, NodeStatus.OK, NodeStatus.OK]
    assert search.meter.usage().evaluations == 2
