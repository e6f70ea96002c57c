"""`maxcode bench process_state`'s variance components: the figure that decides whether
forked timing processes are independent draws."""

from __future__ import annotations

import numpy as np
import pytest

from maxcode.selfbench.process_state import variance_components


def _rows(between_sd: float, within_sd: float, parents: int = 400, children: int = 6) -> list[list[float]]:
    rng = np.random.default_rng(0)
    effects = rng.normal(0.0, between_sd, size=(parents, 1))
    return np.exp(np.log(400.0) + effects + rng.normal(0.0, within_sd, size=(parents, children))).tolist()


def test_independent_children_have_no_between_component():
    got = variance_components(_rows(0.0, 0.1))
    assert got["icc"] < 0.05 and got["within_sd"] == pytest.approx(0.1, rel=0.05)


def test_an_inherited_effect_shows_as_the_intra_class_correlation():
    got = variance_components(_rows(0.1, 0.1))
    assert got["icc"] == pytest.approx(0.5, abs=0.08)
    assert got["between_sd"] == pytest.approx(0.1, rel=0.15)
