"""The online cost model: Bayesian linear regression on a program's configuration, refitted on
a run's own measurements.

What AutoTVM and Ansor showed is that a cost model earns its keep online: it learns, from
the measurements the search itself pays for, which settings of this task's space are fast.
Here each program is a bag of tokens (`omp_schedule=dynamic`, `base=cpu`, a rewrite's
name), the target its log speedup (a failed program counts as a fixed slow one), and the
model a linear one with a Gaussian prior on each weight, so its posterior is exact and
cheap at the sizes a search has (tens to hundreds of programs). Its uncertainty drives
exploration: a Thompson sample of the weights scores each candidate, so a setting never
measured is tried sometimes, and less often as the posterior says it is slow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class OnlineConfig:
    """Settings of the online model."""

    prior_sd: float = 0.5
    """Prior spread of each token's effect on log speedup (0.5: a setting is expected to move
    a program's time by less than about 1.6x either way)."""
    noise_sd: float = 0.3
    """Spread of a measured log speedup around the model's (the judge's noise and what a
    linear model cannot say)."""
    pairs: bool = False
    """Also learn an effect for each pair of tokens a program holds (interactions, such as a
    schedule with a thread count); more to learn from the same measurements."""


class BayesianLinearModel:
    """y = w . x + noise over token indicators, with w ~ N(0, prior_sd^2) per token."""

    def __init__(self, config: OnlineConfig | None = None) -> None:
        self.config = config or OnlineConfig()
        self.vocabulary: dict[str, int] = {"(bias)": 0}
        self.mean = np.zeros(1)
        self.covariance = np.eye(1) * self.config.prior_sd ** 2
        self.observations = 0

    def features(self, tokens: Sequence[str]) -> list[str]:
        """The tokens a program is described by, with their pairs where configured, and the bias."""
        unique = sorted(set(tokens))
        out = ["(bias)", *unique]
        if self.config.pairs:
            out += [f"{a}&{b}" for i, a in enumerate(unique) for b in unique[i + 1:]]
        return out

    def fit(self, rows: Sequence[Sequence[str]], targets: Sequence[float],
            also: Sequence[Sequence[str]] = (), prior_mean: dict[str, float] | None = None) -> BayesianLinearModel:
        """The posterior after `rows` with their `targets`; `also`: rows to be scored later,
        whose tokens get a place (their prior) without an observation; `prior_mean`: a prior
        mean for some weights (a warm start from other tasks), 0 for the rest."""
        for tokens in [*rows, *also]:
            for name in self.features(tokens):
                self.vocabulary.setdefault(name, len(self.vocabulary))
        x = self._matrix(rows)
        y = np.asarray(targets, dtype=float)
        m0 = np.zeros(len(self.vocabulary))
        for name, value in (prior_mean or {}).items():
            if name in self.vocabulary:
                m0[self.vocabulary[name]] = value
        precision = np.eye(len(self.vocabulary)) / self.config.prior_sd ** 2 + x.T @ x / self.config.noise_sd ** 2
        self.covariance = np.linalg.inv(precision)
        self.mean = self.covariance @ (m0 / self.config.prior_sd ** 2 + x.T @ y / self.config.noise_sd ** 2)
        self.observations = len(y)
        return self

    def predict(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of each row's log speedup (noise excluded)."""
        x = self._matrix(rows)
        mean = x @ self.mean
        sd = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, self.covariance, x), 0.0))
        return mean, sd

    def sample(self, rows: Sequence[Sequence[str]], rng: np.random.Generator) -> np.ndarray:
        """Each row's log speedup under one draw of the weights from the posterior (Thompson)."""
        weights = rng.multivariate_normal(self.mean, self.covariance, method="cholesky")
        return self._matrix(rows) @ weights

    def _matrix(self, rows: Sequence[Sequence[str]]) -> np.ndarray:
        x = np.zeros((len(rows), len(self.vocabulary)))
        for i, tokens in enumerate(rows):
            for name in self.features(tokens):
                j = self.vocabulary.get(name)
                if j is not None:
                    x[i, j] = 1.0
        return x
