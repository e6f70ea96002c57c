"""Test cases of a cpp task (PIE layout: `input.N.txt` / `output.N.txt`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCase:
    """One stdin/expected-stdout pair, by host path; contents are read only when needed."""

    __test__ = False  # not a pytest class

    name: str
    """Case name, e.g. `3` for `input.3.txt`."""
    input_path: str
    """Host path of the stdin file."""
    output_path: str
    """Host path of the expected stdout; never copied into a sandbox."""
