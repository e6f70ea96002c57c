"""Tiny attention on CPU, SLOW but correct: the attention core (QK^T, softmax, PV) as naive
scalar loops in one kernel, one query row at a time, -O1, single-threaded, libm exp;
projections via F.linear. Expected: correct, much slower than eager.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>
#include <vector>

torch::Tensor attention_core(torch::Tensor q, torch::Tensor k, torch::Tensor v, double scale) {
    TORCH_CHECK(q.scalar_type() == torch::kFloat32 && q.dim() == 3, "expects 3-D float32");
    const int64_t B = q.size(0), T = q.size(1), D = q.size(2);
    auto out = torch::empty({B, T, D}, q.options());
    auto Q = q.accessor<float, 3>();
    auto K = k.accessor<float, 3>();
    auto V = v.accessor<float, 3>();
    auto O = out.accessor<float, 3>();
    std::vector<float> p(T);
    for (int64_t b = 0; b < B; ++b) {
        for (int64_t i = 0; i < T; ++i) {
            float m = -INFINITY;
            for (int64_t j = 0; j < T; ++j) {
                float s = 0.0f;
                for (int64_t d = 0; d < D; ++d) s += Q[b][i][d] * K[b][j][d];
                p[j] = s * (float)scale;
                m = std::max(m, p[j]);
            }
            float sum = 0.0f;
            for (int64_t j = 0; j < T; ++j) { p[j] = std::exp(p[j] - m); sum += p[j]; }
            for (int64_t d = 0; d < D; ++d) {
                float acc = 0.0f;
                for (int64_t j = 0; j < T; ++j) acc += p[j] * V[b][j][d];
                O[b][i][d] = acc / sum;
            }
        }
    }
    return out;
}
"""

attn_ext = load_inline(
    name="kbcpu_l3_2_tinyattention_slow",
    cpp_sources=cpp_source,
    functions=["attention_core"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, embed_dim: int):
        super().__init__()
        self.embed_dim = embed_dim
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = F.linear(x, self.qkv.weight, self.qkv.bias).chunk(3, dim=-1)
        y = attn_ext.attention_core(q, k, v, 1.0 / math.sqrt(self.embed_dim))
        return F.linear(y, self.proj.weight, self.proj.bias)
