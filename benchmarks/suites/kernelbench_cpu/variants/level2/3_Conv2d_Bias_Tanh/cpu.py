"""Conv2d + bias + tanh on CPU: library convolution, then ONE fused in-place bias+tanh pass.

Eager writes conv output, then `x + bias` into a new tensor, then tanh into another. Here
the convolution is F.conv2d without bias (not the op this task replaces) and one OpenMP
kernel adds the per-channel bias and applies tanh in place. tanh is computed as
1 - 2 / (exp(2v) + 1) with a polynomial exp so the loop vectorizes (libm tanhf would not).
Expected: correct at 1e-4; faster than eager.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
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

// y[n, c, :, :] = tanh(y[n, c, :, :] + bias[c]), in place on a contiguous NCHW tensor.
torch::Tensor bias_tanh_(torch::Tensor y, torch::Tensor bias) {
    TORCH_CHECK(y.scalar_type() == torch::kFloat32 && y.is_contiguous() && y.dim() == 4, "expects contiguous NCHW float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    float* Y = y.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n) {
        for (int64_t c = 0; c < C; ++c) {
            float* p = Y + (n * C + c) * HW;
            const float bc = b[c];
            #pragma omp simd
            for (int64_t i = 0; i < HW; ++i) {
                const float v = p[i] + bc;
                p[i] = 1.0f - 2.0f / (vexp(2.0f * v) + 1.0f);
            }
        }
    }
    return y;
}
"""

epilogue_ext = load_inline(
    name="kbcpu_l2_3_conv2d_bias_tanh_cpu",
    cpp_sources=cpp_source,
    functions=["bias_tanh_"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.conv.weight, None, padding=self.conv.padding).contiguous()
        return epilogue_ext.bias_tanh_(y, self.bias)
