"""Tiny attention on CPU, WRONG: scores scaled by 1/d instead of 1/sqrt(d).

A classic slip in the attention temperature: the softmax comes out far too flat.
Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor scaled_softmax_(torch::Tensor s, double scale) {
    TORCH_CHECK(s.scalar_type() == torch::kFloat32 && s.is_contiguous(), "expects contiguous float32");
    const int64_t cols = s.size(-1), rows = s.numel() / cols;
    float* S = s.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        float* row = S + r * cols;
        float m = -INFINITY;
        for (int64_t c = 0; c < cols; ++c) m = std::max(m, row[c]);
        float sum = 0.0f;
        for (int64_t c = 0; c < cols; ++c) { row[c] = std::exp((row[c] - m) * (float)scale); sum += row[c]; }
        for (int64_t c = 0; c < cols; ++c) row[c] /= sum;
    }
    return s;
}
"""

attn_ext = load_inline(
    name="kbcpu_l3_2_tinyattention_wrong",
    cpp_sources=cpp_source,
    functions=["scaled_softmax_"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, embed_dim: int):
        super().__init__()
        self.embed_dim = embed_dim
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        # Projections stay library GEMMs (addmm on a 2-D view); the kernel replaces the softmax.
        qkv = torch.addmm(self.qkv.bias, x.reshape(b * t, d), self.qkv.weight.t()).view(b, t, 3 * d)
        q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
        scores = torch.bmm(q, k.transpose(1, 2))
        probs = attn_ext.scaled_softmax_(scores, 1.0 / d)
        y = torch.bmm(probs, v).reshape(b * t, d)
        return torch.addmm(self.proj.bias, y, self.proj.weight.t()).view(b, t, d)
