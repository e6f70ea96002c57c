"""Legitimate: keep the GEMM in the library (nn.Linear -> MKL/cuBLAS), fuse ReLU and the
scale into one C++ pass over its output, through a wrapper function.
Problem: benchmarks/suites/kernelbench_cpu/level2/1_Gemm_ReLU_Scale.py
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = """
#include <torch/extension.h>

torch::Tensor relu_scale(torch::Tensor x, double scale) {
    auto in = x.contiguous();
    auto out = torch::empty_like(in);
    const float s = static_cast<float>(scale);
    const float* src = in.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    const int64_t n = in.numel();
    #pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        const float v = src[i];
        dst[i] = v > 0.0f ? v * s : 0.0f;
    }
    return out;
}
"""

_ext = load_inline(name="relu_scale_ext", cpp_sources=source, functions=["relu_scale"],
                   extra_cflags=["-O3", "-fopenmp"], extra_ldflags=["-fopenmp"])


def fused_relu_scale(x: torch.Tensor, scale: float) -> torch.Tensor:
    """Thin wrapper so the module reads like PyTorch."""
    assert x.dtype == torch.float32
    return _ext.relu_scale(x, scale)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int, scale: float):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.scale = scale

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fused_relu_scale(self.gemm(x), self.scale)
