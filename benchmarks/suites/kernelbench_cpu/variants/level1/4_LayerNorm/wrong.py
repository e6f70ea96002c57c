"""LayerNorm on CPU, WRONG: uses E[x^2] as the variance (forgets to subtract the mean^2).

Correct only for zero-mean rows; the problem's inputs have mean 1 and std 3, so the
normalizer is off by ~5%. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor layernorm_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, double eps) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    const int64_t cols = weight.numel();
    const int64_t rows = x.numel() / cols;
    auto out = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    const float* w = weight.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    float* o = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = in + r * cols;
        float s = 0.0f, sq = 0.0f;
        for (int64_t c = 0; c < cols; ++c) { s += xr[c]; sq += xr[c] * xr[c]; }
        const float mean = s / cols;
        const float var = sq / cols;
        const float rstd = 1.0f / std::sqrt(var + (float)eps);
        for (int64_t c = 0; c < cols; ++c) o[r * cols + c] = (xr[c] - mean) * rstd * w[c] + b[c];
    }
    return out;
}
"""

ln_ext = load_inline(
    name="kbcpu_l1_4_layernorm_wrong",
    cpp_sources=cpp_source,
    functions=["layernorm_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
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
