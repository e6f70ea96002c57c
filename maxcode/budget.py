"""Budgets with hard stops: proposer calls, tokens, dollars, evaluations, wall time.

Calls and evaluations never pass their cap: the loop asks `calls_left()` and
`evaluations_left()` before spending. Tokens and dollars are only known after a call, so
the search stops as soon as they reach the cap; the overshoot is at most one call (the
request's `max_tokens` bounds it). Spending restored from a resumed run's nodes counts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from maxcode.errors import ConfigError
from maxcode.records.jsonable import to_dict
from maxcode.records.usage import Usage


@dataclass
class Price:
    """Dollars per million tokens of one model."""

    input_per_mtok: float = 0.0
    """Prompt tokens."""
    output_per_mtok: float = 0.0
    """Completion tokens."""


@dataclass
class Budget:
    """Hard caps of one search; None means no cap."""

    max_llm_calls: int | None = 50
    """Proposer and critic requests (library and replay calls count too; cached ones don't)."""
    max_tokens: int | None = None
    """Prompt + completion tokens over all requests."""
    max_dollars: float | None = None
    """Dollars computed from `prices`; every model used must then have a price."""
    max_evaluations: int | None = 20
    """Judge evaluations (duplicates reuse a verdict and cost none)."""
    max_wall_s: float | None = 3600.0
    """Wall-clock seconds of search, summed over resumed sessions."""
    prices: dict[str, Price] = field(default_factory=dict)
    """Model name -> price; the key `default` applies to models not listed."""

    def __post_init__(self) -> None:
        # Hydra hands nested configs over as dicts.
        self.prices = {k: v if isinstance(v, Price) else Price(**v) for k, v in self.prices.items()}

    def price(self, model: str) -> Price | None:
        return self.prices.get(model) or self.prices.get("default")

    def caps(self) -> dict[str, float | None]:
        """The hard caps by name (`max_...`), as the summary and the progress display show them."""
        return {k: getattr(self, k) for k in
                ("max_llm_calls", "max_tokens", "max_dollars", "max_evaluations", "max_wall_s")}

    def check_model(self, model: str) -> None:
        """A dollar cap is meaningless for a model without a price: refuse to start."""
        if self.max_dollars is not None and model and self.price(model) is None:
            raise ConfigError(
                f"budget.max_dollars is set but model {model!r} has no price",
                f"add budget.prices.{model}.input_per_mtok and output_per_mtok "
                "(dollars per million tokens), or a `default` price",
            )


class BudgetMeter:
    """Counts spending against a `Budget`; thread-safe."""

    def __init__(self, budget: Budget, spent: Usage | None = None) -> None:
        self.budget = budget
        self._spent = spent or Usage()
        self._wall_before = self._spent.wall_s
        self._started = time.monotonic()
        self._lock = threading.Lock()

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        price = self.budget.price(model)
        if price is None:
            return 0.0
        return (prompt_tokens * price.input_per_mtok + completion_tokens * price.output_per_mtok) / 1e6

    def add_llm(self, calls: int, prompt_tokens: int, completion_tokens: int, cost_usd: float) -> None:
        with self._lock:
            self._spent.llm_calls += calls
            self._spent.prompt_tokens += prompt_tokens
            self._spent.completion_tokens += completion_tokens
            self._spent.cost_usd += cost_usd

    def add_evaluations(self, n: int = 1) -> None:
        with self._lock:
            self._spent.evaluations += n

    def usage(self) -> Usage:
        with self._lock:
            spent = Usage(**to_dict(self._spent))
        spent.wall_s = self._wall_before + (time.monotonic() - self._started)
        return spent

    def calls_left(self) -> int | None:
        cap = self.budget.max_llm_calls
        return None if cap is None else max(0, cap - self.usage().llm_calls)

    def evaluations_left(self) -> int | None:
        cap = self.budget.max_evaluations
        return None if cap is None else max(0, cap - self.usage().evaluations)

    def exhausted(self) -> str | None:
        """Why the search must stop now, or None."""
        b, u = self.budget, self.usage()
        checks = [
            ("llm calls", b.max_llm_calls, u.llm_calls),
            ("tokens", b.max_tokens, u.tokens),
            ("dollars", b.max_dollars, u.cost_usd),
            ("evaluations", b.max_evaluations, u.evaluations),
            ("wall time (s)", b.max_wall_s, u.wall_s),
        ]
        for name, cap, used in checks:
            if cap is not None and used >= cap:
                return f"budget: {name} {used:g} reached the cap {cap:g}"
        return None
