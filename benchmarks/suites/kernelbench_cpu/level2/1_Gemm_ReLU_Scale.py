import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear layer, ReLU, then multiplication by a constant scale."""

    def __init__(self, in_features: int, out_features: int, scale: float):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gemm(x)
        x = torch.relu(x)
        return x * self.scale


batch_size = 2048
in_features = 64
out_features = 1024
scale = 2.0


def get_inputs():
    x = torch.randn(batch_size, in_features)
    return [x]


def get_init_inputs():
    return [in_features, out_features, scale]
