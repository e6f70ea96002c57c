"""Matmul + bias on CPU, SLOW but correct: the textbook i-j-k triple loop, single-threaded.

Scalar dot products through 2-D accessors, -O1, no blocking, no OpenMP. Expected: correct,
one to two orders of magnitude slower than eager (MKL sgemm).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor matmul_bias_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    const int64_t M = x.size(0), K = x.size(1), N = weight.size(0);
    auto out = torch::empty({M, N}, x.options());
    auto X = x.accessor<float, 2>();
    auto W = weight.accessor<float, 2>();
    auto B = bias.accessor<float, 1>();
    auto O = out.accessor<float, 2>();
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
            float acc = 0.0f;
            for (int64_t k = 0; k < K; ++k) acc += X[i][k] * W[j][k];
            O[i][j] = acc + B[j];
        }
    }
    return out;
}
"""

mm_ext = load_inline(
    name="kbcpu_l1_5_matmul_bias_slow",
    cpp_sources=cpp_source,
    functions=["matmul_bias_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / in_features**0.5)
        self.bias = nn.Parameter(torch.randn(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mm_ext.matmul_bias_forward(x.contiguous(), self.weight, self.bias)
