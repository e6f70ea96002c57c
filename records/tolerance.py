"""Numeric tolerance of a kernel task: a record the kernel judge reads and tasks carry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """Numeric tolerance of a kernel task's correctness check (torch.allclose)."""

    atol: float = 1e-2
    rtol: float = 1e-2
