"""The typed parts a search is made of (built by maxcode/wiring.py, run by maxcode/optimize.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from maxcode.budget import Budget
from maxcode.critique.base import Critique
from maxcode.loop import CriticLedger, LoopConfig, Ranker, ScoringRanker, Strategy
from maxcode.observation import ObservationBuilder
from maxcode.proposers.base import Proposer
from maxcode.records.evaluation import Evaluation


@dataclass
class SearchParts:
    """One configuration's search, instantiated: `Search` takes these as they are."""

    strategy: Strategy
    proposer: Proposer
    budget: Budget
    observation: ObservationBuilder
    reward: Callable[[Evaluation], float]
    critique: Critique
    ranker: Ranker | ScoringRanker | None
    loop: LoopConfig
    critic_ledger: CriticLedger
    """Bills an LLM critic's requests to the node they diagnosed."""
    name: str
    """Run name: the experiment's `name`, else the strategy's (snake_case class name)."""
