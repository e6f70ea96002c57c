"""Residual block on CPU: library convolutions (no bias), with both epilogues fused into
in-place OpenMP kernels: bias + ReLU after conv1, and bias + residual add + ReLU after conv2.

Eager adds each bias inside the convolution, then runs relu, add and relu as separate ops,
each writing a fresh 2 MB tensor; here the three elementwise passes collapse into two
in-place ones and no temporary is allocated.
Expected: correct at 1e-4; faster than eager (modestly: the convolutions are unchanged).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

// y = max(y + bias[c], 0), in place on contiguous NCHW.
torch::Tensor bias_relu_(torch::Tensor y, torch::Tensor bias) {
    TORCH_CHECK(y.scalar_type() == torch::kFloat32 && y.is_contiguous() && y.dim() == 4, "expects contiguous NCHW float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    float* Y = y.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
            float* p = Y + (n * C + c) * HW;
            const float bc = b[c];
            #pragma omp simd
            for (int64_t i = 0; i < HW; ++i) { const float v = p[i] + bc; p[i] = v > 0.0f ? v : 0.0f; }
        }
    return y;
}

// y = max(y + bias[c] + residual, 0), in place on contiguous NCHW.
torch::Tensor bias_add_relu_(torch::Tensor y, torch::Tensor bias, torch::Tensor residual) {
    TORCH_CHECK(y.scalar_type() == torch::kFloat32 && y.is_contiguous() && residual.is_contiguous() && y.dim() == 4,
                "expects contiguous NCHW float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    float* Y = y.data_ptr<float>();
    const float* R = residual.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c) {
            float* p = Y + (n * C + c) * HW;
            const float* r = R + (n * C + c) * HW;
            const float bc = b[c];
            #pragma omp simd
            for (int64_t i = 0; i < HW; ++i) { const float v = p[i] + bc + r[i]; p[i] = v > 0.0f ? v : 0.0f; }
        }
    return y;
}
"""

block_ext = load_inline(
    name="kbcpu_l3_3_residualblock_cpu",
    cpp_sources=cpp_source,
    functions=["bias_relu_", "bias_add_relu_"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous()
        h = block_ext.bias_relu_(F.conv2d(x, self.conv1.weight, None, padding=1).contiguous(), self.conv1.bias)
        y = F.conv2d(h, self.conv2.weight, None, padding=1).contiguous()
        return block_ext.bias_add_relu_(y, self.conv2.bias, x)
