import torch
import torch.nn as nn


class Model(nn.Module):
    """Sums a 3-D tensor over dimension 1, keeping the dimension."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sum(x, dim=self.dim, keepdim=True)


batch_size = 128
reduce_size = 512
inner_size = 256
reduce_dim = 1


def get_inputs():
    x = torch.randn(batch_size, reduce_size, inner_size)
    return [x]


def get_init_inputs():
    return [reduce_dim]
