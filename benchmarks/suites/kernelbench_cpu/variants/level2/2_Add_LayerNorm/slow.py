"""Residual add + LayerNorm on CPU, SLOW but correct: single-threaded double-precision
scalar loops through accessors, the sum x + residual recomputed in each of the three passes,
and a sqrt and division per element.

Expected: correct, slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor add_layernorm(torch::Tensor x, torch::Tensor res, torch::Tensor weight, torch::Tensor bias, double eps) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    auto out = torch::empty_like(x);
    auto X = x.accessor<float, 2>();
    auto R = res.accessor<float, 2>();
    auto w = weight.accessor<float, 1>();
    auto b = bias.accessor<float, 1>();
    auto O = out.accessor<float, 2>();
    const int64_t cols = x.size(1);
    for (int64_t r = 0; r < x.size(0); ++r) {
        double mean = 0.0;
        for (int64_t c = 0; c < cols; ++c) mean += (double)X[r][c] + R[r][c];
        mean /= cols;
        double var = 0.0;
        for (int64_t c = 0; c < cols; ++c) {
            const double d = (double)X[r][c] + R[r][c] - mean;
            var += d * d;
        }
        var /= cols;
        for (int64_t c = 0; c < cols; ++c) {
            O[r][c] = (float)(((double)X[r][c] + R[r][c] - mean) / std::sqrt(var + eps) * w[c] + b[c]);
        }
    }
    return out;
}
"""

add_ln_ext = load_inline(
    name="kbcpu_l2_2_add_layernorm_slow",
    cpp_sources=cpp_source,
    functions=["add_layernorm"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.norm = nn.LayerNorm(features)
        with torch.no_grad():
            self.norm.weight.copy_(1.0 + 0.1 * torch.randn(features))
            self.norm.bias.copy_(0.1 * torch.randn(features))

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return add_ln_ext.add_layernorm(x.contiguous(), residual.contiguous(), self.norm.weight,
                                        self.norm.bias, self.norm.eps)
