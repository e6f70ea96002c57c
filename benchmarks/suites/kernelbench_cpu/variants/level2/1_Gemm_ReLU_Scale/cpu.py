"""Gemm + ReLU + scale on CPU: library GEMM, then ONE fused in-place epilogue kernel.

Eager runs addmm, then relu into a new 8 MB tensor, then the multiply into another: two
extra full passes and two fresh allocations (page-faulted on first touch). Here the GEMM
is `torch.mm` without bias (the matrix product is not what this task replaces) and a single
OpenMP pass applies bias, ReLU and scale in place on the product while each row is in cache.
Expected: correct at 1e-4; faster than eager (the epilogue dominates at in_features=64).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

// y = max(h + bias, 0) * scale, written over h.
torch::Tensor bias_relu_scale_(torch::Tensor h, torch::Tensor bias, double scale) {
    TORCH_CHECK(h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D float32");
    const int64_t rows = h.size(0), cols = h.size(1);
    float* H = h.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    const float s = (float)scale;
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        float* hr = H + r * cols;
        #pragma omp simd
        for (int64_t c = 0; c < cols; ++c) {
            const float v = hr[c] + b[c];
            hr[c] = (v > 0.0f ? v : 0.0f) * s;
        }
    }
    return h;
}
"""

epilogue_ext = load_inline(
    name="kbcpu_l2_1_gemm_relu_scale_cpu",
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
