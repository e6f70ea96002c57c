"""The compute-bound known 1.3x: the same products as the problem, 10 instead of 13."""

import torch
import torch.nn as nn


class ModelNew(nn.Module):
    def __init__(self, passes: int):
        super().__init__()
        self.passes = passes * 10 // 13
        self.register_buffer("identity", torch.eye(256))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.passes):
            x = x @ self.identity
        return x
