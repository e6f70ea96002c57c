"""Gemm + sigmoid + row sum on CPU: library GEMM (no bias), then ONE fused reduction kernel.

Eager writes sigmoid(addmm(...)) into a new 8 MB tensor and then reads it back to sum.
Here one OpenMP pass over the product adds the bias, applies the sigmoid (polynomial exp so
the loop vectorizes) and accumulates the row sum in registers: the activation is never
written. Expected: correct at 1e-4 (sum of 1024 terms in a different order: ~1e-5
relative); faster than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cstdint>
#include <cstring>

static inline float vexp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const float shifter = 12582912.0f;
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693145751953125f - n * 1.428606765330187045e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667f + r * (0.041666668f + r * (0.008333334f + r * 0.0013888889f)))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    return p * scale;
}

// out[r, 0] = sum_c sigmoid(h[r, c] + bias[c])
torch::Tensor bias_sigmoid_rowsum(torch::Tensor h, torch::Tensor bias) {
    TORCH_CHECK(h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D float32");
    const int64_t rows = h.size(0), cols = h.size(1);
    auto out = torch::empty({rows, 1}, h.options());
    const float* H = h.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    float* O = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* hr = H + r * cols;
        float s = 0.0f;
        #pragma omp simd reduction(+:s)
        for (int64_t c = 0; c < cols; ++c) s += 1.0f / (1.0f + vexp(-(hr[c] + b[c])));
        O[r] = s;
    }
    return out;
}
"""

reduce_ext = load_inline(
    name="kbcpu_l2_5_gemm_sigmoid_sum_cpu",
    cpp_sources=cpp_source,
    functions=["bias_sigmoid_rowsum"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.mm(x.contiguous(), self.gemm.weight.t())
        return reduce_ext.bias_sigmoid_rowsum(h, self.gemm.bias)
