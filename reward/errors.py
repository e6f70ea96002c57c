"""Errors of the reward-to-go tooling: each a `UserError` with its cause and fix, so the
CLI prints one line (the root of the tree lives in `maxcode.records.errors`, the lowest layer)."""

from __future__ import annotations

from maxcode.records.errors import UserError


class RtgError(UserError):
    """A reward-to-go input the user can fix."""


class DatasetError(RtgError):
    """Run directories without judged nodes, a data file of another format or version,
    an empty held-out split, bad bins."""


class ModelError(RtgError):
    """A base model that does not load, a model directory that is not ours, or a model
    trained with other bins than the data it is asked to score."""
