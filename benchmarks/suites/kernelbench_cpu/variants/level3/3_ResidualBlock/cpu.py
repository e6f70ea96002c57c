"""Residual block on CPU: both 3x3 convolutions as custom kernels with fused epilogues.

conv1 + bias + ReLU is one kernel; conv2 + bias + residual add + ReLU is another. Each pads
its input once (so the inner loop has no bounds checks), then per (batch, out-channel) plane
(16 KB, stays in L1) accumulates the 9 taps of every input channel as FMAs over contiguous
rows, vectorized along the width, and applies the epilogue to the finished plane while it is
in cache. Eager runs two oneDNN convolutions plus relu, add and relu as separate passes with
fresh tensors. On an AVX-512 host oneDNN's convolutions outrun these direct ones by more
than the fusion saves (0.92x [0.90, 0.98] and 0.75x [0.69, 0.80] in two `maxcode suite
check` runs). Expected: correct at 1e-4; slower than eager where oneDNN has AVX-512.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cstring>

// y = relu(conv3x3(x, w) + b [+ residual]); residual is used when it is defined.
torch::Tensor conv3x3_bias_relu(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, c10::optional<torch::Tensor> residual) {
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
    const float* R = nullptr;
    if (residual.has_value()) {
        TORCH_CHECK(residual->is_contiguous() && residual->sizes() == out.sizes(), "residual must match the output");
        R = residual->data_ptr<float>();
    }
    float* Y = out.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t p = 0; p < N * C; ++p)
        for (int64_t h = 0; h < H; ++h)
            std::memcpy(XP + (p * HP + h + 1) * WP + 1, X + (p * H + h) * W, W * sizeof(float));
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n) {
        for (int64_t o = 0; o < O; ++o) {
            float* y = Y + (n * O + o) * H * W;
            const float bo = B[o];
            for (int64_t i = 0; i < H * W; ++i) y[i] = bo;
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
            if (R != nullptr) {
                const float* r = R + (n * O + o) * H * W;
                #pragma omp simd
                for (int64_t i = 0; i < H * W; ++i) { const float v = y[i] + r[i]; y[i] = v > 0.0f ? v : 0.0f; }
            } else {
                #pragma omp simd
                for (int64_t i = 0; i < H * W; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
            }
        }
    }
    return out;
}
"""

block_ext = load_inline(
    name="kbcpu_l3_3_residualblock_cpu_v2",
    cpp_sources=cpp_source,
    functions=["conv3x3_bias_relu"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        # Built like the reference so the seeded parameters are identical.
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous()
        h = block_ext.conv3x3_bias_relu(x, self.conv1.weight, self.conv1.bias, None)
        return block_ext.conv3x3_bias_relu(h, self.conv2.weight, self.conv2.bias, x)
