"""Known-speedup problem, compute-bound: 13 chained products of a 256x256 matrix with the
identity (exact: every pass returns its input). A candidate doing 10 passes does exactly
10/13 of the work: a known 1.3x whose timing depends on the cores, not on memory traffic
(the ReLU passes' case is memory-bound, the worst case for a machine shared with others)."""

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, passes: int):
        super().__init__()
        self.passes = passes
        self.register_buffer("identity", torch.eye(256))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.passes):
            x = x @ self.identity
        return x


size = 256
passes = 13


def get_inputs():
    return [torch.randn(size, size)]


def get_init_inputs():
    return [passes]
