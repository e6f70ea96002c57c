"""Gemm + ReLU + scale on CPU, WRONG: the bias is added after the ReLU instead of before.

relu(xW^T) + b differs from relu(xW^T + b) wherever the pre-activation and the bias have
different signs. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor bias_relu_scale_(torch::Tensor h, torch::Tensor bias, double scale) {
    TORCH_CHECK(h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D float32");
    const int64_t rows = h.size(0), cols = h.size(1);
    float* H = h.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    const float s = (float)scale;
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            const float v = H[r * cols + c];
            H[r * cols + c] = ((v > 0.0f ? v : 0.0f) + b[c]) * s;
        }
    }
    return h;
}
"""

epilogue_ext = load_inline(
    name="kbcpu_l2_1_gemm_relu_scale_wrong",
    cpp_sources=cpp_source,
    functions=["bias_relu_scale_"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int, scale: float):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.mm(x.contiguous(), self.gemm.weight.t())
        return epilogue_ext.bias_relu_scale_(h, self.gemm.bias, self.scale)
