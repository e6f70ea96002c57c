"""Gemm + ReLU + scale on CPU, SLOW but correct: the whole layer in one naive kernel.

A scalar i-j-k GEMM through accessors (-O1, single thread) with the epilogue applied per
element: no blocking, no vectorization, no threads. Expected: correct, much slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor gemm_relu_scale(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, double scale) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    const int64_t M = x.size(0), K = x.size(1), N = weight.size(0);
    auto out = torch::empty({M, N}, x.options());
    auto X = x.accessor<float, 2>();
    auto W = weight.accessor<float, 2>();
    auto B = bias.accessor<float, 1>();
    auto O = out.accessor<float, 2>();
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            float acc = B[j];
            for (int64_t k = 0; k < K; ++k) acc += X[i][k] * W[j][k];
            O[i][j] = (acc > 0.0f ? acc : 0.0f) * (float)scale;
        }
    return out;
}
"""

gemm_ext = load_inline(
    name="kbcpu_l2_1_gemm_relu_scale_slow",
    cpp_sources=cpp_source,
    functions=["gemm_relu_scale"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int, scale: float):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gemm_ext.gemm_relu_scale(x.contiguous(), self.gemm.weight, self.gemm.bias, self.scale)
