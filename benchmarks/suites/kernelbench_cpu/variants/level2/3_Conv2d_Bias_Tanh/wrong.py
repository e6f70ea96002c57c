"""Conv2d + bias + tanh on CPU, WRONG: the bias is indexed by the batch item instead of the
output channel (`bias[n % O]` for `bias[o]`), a loop-variable mix-up in the epilogue of an
otherwise correct fused kernel (the same padded 3x3 convolution as cpu.py).
Expected: incorrect (wrong_answer).
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

torch::Tensor conv3x3_bias_tanh(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 4, "expects contiguous NCHW float32");
    TORCH_CHECK(weight.size(2) == 3 && weight.size(3) == 3 && weight.is_contiguous(), "expects a contiguous 3x3 kernel");
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0);
    const int64_t HP = H + 2, WP = W + 2;
    auto xp = torch::zeros({N, C, HP, WP}, x.options());  // zero border = the conv's padding
    auto out = torch::empty({N, O, H, W}, x.options());
    const float* X = x.data_ptr<float>();
    float* XP = xp.data_ptr<float>();
    const float* Wt = weight.data_ptr<float>();
    const float* B = bias.data_ptr<float>();
    float* Y = out.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t p = 0; p < N * C; ++p)
        for (int64_t h = 0; h < H; ++h)
            std::memcpy(XP + (p * HP + h + 1) * WP + 1, X + (p * H + h) * W, W * sizeof(float));
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n) {
        for (int64_t o = 0; o < O; ++o) {
            float* y = Y + (n * O + o) * H * W;
            std::memset(y, 0, H * W * sizeof(float));
            for (int64_t c = 0; c < C; ++c) {
                const float* k = Wt + (o * C + c) * 9;
                const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7], k8 = k[8];
                const float* xc = XP + (n * C + c) * HP * WP;
                for (int64_t h = 0; h < H; ++h) {
                    const float* r0 = xc + h * WP;
                    const float* r1 = r0 + WP;
                    const float* r2 = r1 + WP;
                    float* yr = y + h * W;
                    #pragma omp simd
                    for (int64_t w = 0; w < W; ++w) {
                        yr[w] += k0 * r0[w] + k1 * r0[w + 1] + k2 * r0[w + 2]
                               + k3 * r1[w] + k4 * r1[w + 1] + k5 * r1[w + 2]
                               + k6 * r2[w] + k7 * r2[w + 1] + k8 * r2[w + 2];
                    }
                }
            }
            const float bo = B[n % O];
            #pragma omp simd
            for (int64_t i = 0; i < H * W; ++i) {
                const float v = y[i] + bo;
                y[i] = 1.0f - 2.0f / (vexp(2.0f * v) + 1.0f);
            }
        }
    }
    return out;
}
"""

conv_ext = load_inline(
    name="kbcpu_l2_3_conv2d_bias_tanh_wrong_v2",
    cpp_sources=cpp_source,
    functions=["conv3x3_bias_tanh"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        # Built like the reference so the seeded parameters are identical.
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv3x3_bias_tanh(x.contiguous(), self.conv.weight, self.bias)
