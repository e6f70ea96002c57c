import torch
import torch.nn as nn


class Model(nn.Module):
    """ReLU on half-precision activations."""

    def forward(self, x):
        return torch.relu(x)


def get_inputs():
    return [torch.randn(4096, 1024, dtype=torch.float16)]


def get_init_inputs():
    return []
