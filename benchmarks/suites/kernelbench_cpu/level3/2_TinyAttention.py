import math

import torch
import torch.nn as nn


class Model(nn.Module):
    """Single-head self-attention block: fused QKV projection, scaled dot-product
    attention (no mask), output projection."""

    def __init__(self, embed_dim: int):
        super().__init__()
        self.embed_dim = embed_dim
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.embed_dim)
        attn = torch.softmax(scores, dim=-1)
        return self.proj(torch.matmul(attn, v))


batch_size = 16
seq_len = 256
embed_dim = 64


def get_inputs():
    x = torch.randn(batch_size, seq_len, embed_dim)
    return [x]


def get_init_inputs():
    return [embed_dim]
