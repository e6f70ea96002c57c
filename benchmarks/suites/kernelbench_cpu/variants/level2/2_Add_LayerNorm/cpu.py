"""Residual add + LayerNorm on CPU: one fused kernel, no intermediate tensor.

Eager materializes x + residual (a 16 MB temporary, freshly allocated and page-faulted),
then reads it back for LayerNorm. Here each thread forms the sum of one row directly in the
output row (16 KB, stays in L1), computes mean and centered variance there, and normalizes
in place: the inputs are read once and the output written once.
Expected: correct at 1e-4; faster than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor add_layernorm(torch::Tensor x, torch::Tensor res, torch::Tensor weight, torch::Tensor bias, double eps) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && res.is_contiguous(), "expects contiguous float32");
    const int64_t cols = weight.numel();
    const int64_t rows = x.numel() / cols;
    auto out = torch::empty_like(x);
    const float* X = x.data_ptr<float>();
    const float* R = res.data_ptr<float>();
    const float* w = weight.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    float* O = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = X + r * cols;
        const float* rr = R + r * cols;
        float* o = O + r * cols;
        float s = 0.0f;
        #pragma omp simd reduction(+:s)
        for (int64_t c = 0; c < cols; ++c) { const float v = xr[c] + rr[c]; o[c] = v; s += v; }
        const float mean = s / cols;
        float var = 0.0f;
        #pragma omp simd reduction(+:var)
        for (int64_t c = 0; c < cols; ++c) { const float d = o[c] - mean; var += d * d; }
        const float rstd = 1.0f / std::sqrt(var / cols + (float)eps);
        #pragma omp simd
        for (int64_t c = 0; c < cols; ++c) o[c] = (o[c] - mean) * rstd * w[c] + b[c];
    }
    return out;
}
"""

add_ln_ext = load_inline(
    name="kbcpu_l2_2_add_layernorm_cpu",
    cpp_sources=cpp_source,
    functions=["add_layernorm"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
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
