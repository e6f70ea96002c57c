"""LayerNorm on CPU, SLOW but correct: single-threaded, double-precision scalar loops
through a 2-D accessor, with a sqrt and a division per element instead of one per row.

Expected: correct, slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor layernorm_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, double eps) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    auto out = torch::empty_like(x);
    auto in = x.accessor<float, 2>();
    auto o = out.accessor<float, 2>();
    auto w = weight.accessor<float, 1>();
    auto b = bias.accessor<float, 1>();
    const int64_t cols = x.size(1);
    for (int64_t r = 0; r < x.size(0); ++r) {
        double mean = 0.0;
        for (int64_t c = 0; c < cols; ++c) mean += in[r][c];
        mean /= cols;
        double var = 0.0;
        for (int64_t c = 0; c < cols; ++c) var += (in[r][c] - mean) * (in[r][c] - mean);
        var /= cols;
        for (int64_t c = 0; c < cols; ++c) {
            o[r][c] = (float)((in[r][c] - mean) / std::sqrt(var + eps) * w[c] + b[c]);
        }
    }
    return out;
}
"""

ln_ext = load_inline(
    name="kbcpu_l1_4_layernorm_slow",
    cpp_sources=cpp_source,
    functions=["layernorm_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, normalized_shape: int):
        super().__init__()
        self.ln = nn.LayerNorm(normalized_shape)
        with torch.no_grad():
            self.ln.weight.copy_(1.0 + 0.1 * torch.randn(normalized_shape))
            self.ln.bias.copy_(0.1 * torch.randn(normalized_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ln_ext.layernorm_forward(x.contiguous(), self.ln.weight, self.ln.bias, self.ln.eps)
