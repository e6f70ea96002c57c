"""Known-speedup problem: 13 ReLU passes over a 1M-element tensor (ReLU is idempotent, so
any number of passes gives the same output). A candidate doing 10 passes does exactly
10/13 of the work: a known 1.3x speedup, give or take the per-call overhead."""

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, passes: int):
        super().__init__()
        self.passes = passes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.passes):
            x = torch.relu(x)
        return x


batch_size = 256
dim = 4096
passes = 13


def get_inputs():
    return [torch.randn(batch_size, dim)]


def get_init_inputs():
    return [passes]
