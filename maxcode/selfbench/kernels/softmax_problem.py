"""A row softmax at KernelBench's level-1 shape (16 rows of 16384): the A/A problem of
`softmax_aten_kernel.py` where no KernelBench checkout is at hand (the GPU proof bench)."""

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=1)


def get_inputs():
    return [torch.randn(16, 16384)]


def get_init_inputs():
    return []
