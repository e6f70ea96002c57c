"""GELU (exact, erf form) on CPU: one OpenMP pass with a vectorizable erf.

libm's erff is a scalar call that blocks auto-vectorization, so the kernel evaluates erf
with the Abramowitz-Stegun 7.1.26 rational approximation (max abs error 1.5e-7) and a
polynomial exp built from exponent-bit arithmetic: only +, *, / and bit casts, which GCC
turns into SIMD code. Expected: correct at 1e-4 but NOT faster than eager: eager runs
Sleef's vectorized erf, which is cheaper than this rational form (it needs a division per
element), and a single elementwise op has no temporary to remove. Measured on the 2-core
dev machine: 0.6-0.9x of eager. The variant shows how close a portable kernel gets.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cstdint>
#include <cstring>

// exp(x) = 2^n * exp(r), |r| <= ln2/2; degree-6 Taylor gives ~1e-7 relative error.
static inline float vexp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    float n = (x * 1.44269504088896341f + shifter) - shifter;
    float r = x - n * 0.693145751953125f - n * 1.428606765330187045e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667f + r * (0.041666668f + r * (0.008333334f + r * 0.0013888889f)))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    return p * scale;
}

torch::Tensor gelu_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    auto out = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    const int64_t n = x.numel();
    #pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        float v = in[i];
        float z = v * 0.70710678118654752f;          // erf argument x / sqrt(2)
        float a = z < 0.0f ? -z : z;
        float t = 1.0f / (1.0f + 0.3275911f * a);
        float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
        float erf_a = 1.0f - poly * vexp(-a * a);
        float erf_z = z < 0.0f ? -erf_a : erf_a;
        o[i] = 0.5f * v * (1.0f + erf_z);
    }
    return out;
}
"""

gelu_ext = load_inline(
    name="kbcpu_l1_2_gelu_cpu",
    cpp_sources=cpp_source,
    functions=["gelu_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gelu_ext.gelu_forward(x.contiguous())
