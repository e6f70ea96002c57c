"""Residual add + LayerNorm on CPU, WRONG: normalizes x alone and adds the residual after
(pre-norm vs post-norm confusion: LN(x) + residual instead of LN(x + residual)).

Expected: incorrect (wrong_answer).
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
        float s = 0.0f;
        for (int64_t c = 0; c < cols; ++c) s += xr[c];
        const float mean = s / cols;
        float var = 0.0f;
        for (int64_t c = 0; c < cols; ++c) var += (xr[c] - mean) * (xr[c] - mean);
        const float rstd = 1.0f / std::sqrt(var / cols + (float)eps);
        for (int64_t c = 0; c < cols; ++c) O[r * cols + c] = (xr[c] - mean) * rstd * w[c] + b[c] + R[r * cols + c];
    }
    return out;
}
"""

add_ln_ext = load_inline(
    name="kbcpu_l2_2_add_layernorm_wrong",
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
