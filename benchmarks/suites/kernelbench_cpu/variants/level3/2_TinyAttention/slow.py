"""Tiny attention on CPU, SLOW but correct: the attention core (QK^T, softmax, PV) as naive
scalar loops in one kernel, one query row at a time, -O1, single-threaded, libm exp;
projections via library GEMMs (addmm). Expected: correct, much slower than eager.
"""

import torch
import torch.nn as nn
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
        b, t, d = x.shape
        qkv = torch.addmm(self.qkv.bias, x.reshape(b * t, d), self.qkv.weight.t()).view(b, t, 3 * d)
        q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
        y = attn_ext.attention_core(q, k, v, self.embed_dim**-0.5)
        return torch.addmm(self.proj.bias, y.reshape(b * t, d), self.proj.weight.t()).view(b, t, d)
