"""Errors of the critique package, under the project's tree (`sandbox.errors`)."""

from __future__ import annotations

from sandbox.errors import UserError


class GenerationFailed(UserError):
    """The critic's model could not answer (unreachable, HTTP error, empty or unusable reply).

    The LLM critic catches it and falls back to the rule-based diagnosis; it reaches a user
    only when a generation backend is used directly.
    """
