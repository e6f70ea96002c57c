import torch
import torch.nn as nn


class Model(nn.Module):
    """Layer normalization over the last dimension, with a learned affine transform."""

    def __init__(self, normalized_shape: int):
        super().__init__()
        self.ln = nn.LayerNorm(normalized_shape)
        # Non-trivial affine parameters, so that a kernel ignoring them is caught.
        with torch.no_grad():
            self.ln.weight.copy_(1.0 + 0.1 * torch.randn(normalized_shape))
            self.ln.bias.copy_(0.1 * torch.randn(normalized_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ln(x)


batch_size = 2048
features = 4096


def get_inputs():
    # Activations with a non-zero mean and non-unit scale, like a real residual stream.
    x = torch.randn(batch_size, features) * 3.0 + 1.0
    return [x]


def get_init_inputs():
    return [features]
