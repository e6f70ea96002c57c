from __future__ import annotations

from pathlib import Path

import pytest

RECORDED = Path(__file__).parent / "fixtures" / "runs"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def recorded_runs() -> Path:
    """Real run directories of five pie_mini problems (see fixtures/README.md)."""
    return RECORDED
