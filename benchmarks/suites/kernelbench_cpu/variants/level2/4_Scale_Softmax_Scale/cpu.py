"""Scale + softmax + gain on CPU: one fused row kernel instead of three eager ops.

Eager writes x / T into a temporary, softmax into another, and the gain product into the
output: three passes and two 8 MB temporaries. Here, per row: max of x (T > 0, so the max of
x / T is max(x) / T), exp((x - max) / T) stored into the output while summing, then one
multiply by gain / sum. The exp is a polynomial with exponent-bit scaling so loops vectorize.
Expected: correct at 1e-4; faster than eager.
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

torch::Tensor scaled_softmax(torch::Tensor x, double temperature, double gain) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    TORCH_CHECK(temperature > 0.0, "temperature must be positive");
    const int64_t cols = x.size(-1), rows = x.numel() / cols;
    auto out = torch::empty_like(x);
    const float* X = x.data_ptr<float>();
    float* O = out.data_ptr<float>();
    const float inv_t = (float)(1.0 / temperature);
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = X + r * cols;
        float* o = O + r * cols;
        float m = -INFINITY;
        #pragma omp simd reduction(max:m)
        for (int64_t c = 0; c < cols; ++c) m = xr[c] > m ? xr[c] : m;
        float s = 0.0f;
        #pragma omp simd reduction(+:s)
        for (int64_t c = 0; c < cols; ++c) {
            const float e = vexp((xr[c] - m) * inv_t);
            o[c] = e;
            s += e;
        }
        const float k = (float)gain / s;
        #pragma omp simd
        for (int64_t c = 0; c < cols; ++c) o[c] *= k;
    }
    return out;
}
"""

softmax_ext = load_inline(
    name="kbcpu_l2_4_scale_softmax_scale_cpu",
    cpp_sources=cpp_source,
    functions=["scaled_softmax"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, temperature: float, gain: float):
        super().__init__()
        self.temperature = temperature
        self.gain = gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_ext.scaled_softmax(x.contiguous(), self.temperature, self.gain)
