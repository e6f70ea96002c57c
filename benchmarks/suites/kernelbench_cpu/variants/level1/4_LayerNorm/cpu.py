"""LayerNorm on CPU: rows in parallel, stats and normalization while the row is in L1.

Per row (4096 floats = 16 KB): a vectorized mean pass, a vectorized centered-variance pass
(two-pass for accuracy on non-zero-mean data), then one fused normalize + affine pass.
Expected: correct at 1e-4; near parity with eager's native layer_norm kernel, which does
the same work; one op with no temporaries leaves little to win.
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
        float* orow = o + r * cols;
        float s = 0.0f;
        #pragma omp simd reduction(+:s)
        for (int64_t c = 0; c < cols; ++c) s += xr[c];
        const float mean = s / cols;
        float v = 0.0f;
        #pragma omp simd reduction(+:v)
        for (int64_t c = 0; c < cols; ++c) { float d = xr[c] - mean; v += d * d; }
        const float rstd = 1.0f / std::sqrt(v / cols + (float)eps);
        #pragma omp simd
        for (int64_t c = 0; c < cols; ++c) orow[c] = (xr[c] - mean) * rstd * w[c] + b[c];
    }
    return out;
}
"""

ln_ext = load_inline(
    name="kbcpu_l1_4_layernorm_cpu",
    cpp_sources=cpp_source,
    functions=["layernorm_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, normalized_shape: int):
        super().__init__()
        # Same construction (and RNG draws) as the reference, so parameters match under a seed.
        self.ln = nn.LayerNorm(normalized_shape)
        with torch.no_grad():
            self.ln.weight.copy_(1.0 + 0.1 * torch.randn(normalized_shape))
            self.ln.bias.copy_(0.1 * torch.randn(normalized_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ln_ext.layernorm_forward(x.contiguous(), self.ln.weight, self.ln.bias, self.ln.eps)
