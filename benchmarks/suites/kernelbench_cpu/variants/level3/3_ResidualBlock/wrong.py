"""Residual block on CPU, WRONG: the final ReLU is applied before the residual add,
relu(conv2(h)) + x instead of relu(conv2(h) + x): negative inputs leak through the skip
connection. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor bias_relu_(torch::Tensor y, torch::Tensor bias) {
    TORCH_CHECK(y.scalar_type() == torch::kFloat32 && y.is_contiguous() && y.dim() == 4, "expects contiguous NCHW float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    float* Y = y.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < HW; ++i) {
                const float v = Y[(n * C + c) * HW + i] + b[c];
                Y[(n * C + c) * HW + i] = v > 0.0f ? v : 0.0f;
            }
    return y;
}

torch::Tensor bias_add_relu_(torch::Tensor y, torch::Tensor bias, torch::Tensor residual) {
    TORCH_CHECK(y.scalar_type() == torch::kFloat32 && y.is_contiguous() && residual.is_contiguous() && y.dim() == 4,
                "expects contiguous NCHW float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    float* Y = y.data_ptr<float>();
    const float* R = residual.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < HW; ++i) {
                const int64_t j = (n * C + c) * HW + i;
                const float v = Y[j] + b[c];
                Y[j] = (v > 0.0f ? v : 0.0f) + R[j];
            }
    return y;
}
"""

block_ext = load_inline(
    name="kbcpu_l3_3_residualblock_wrong",
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
