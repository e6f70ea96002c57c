"""Gemm + sigmoid + row sum on CPU, SLOW but correct: the whole layer in one naive kernel,
a scalar i-j-k GEMM through accessors with libm exp per element, -O1, single-threaded.

Expected: correct, much slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor gemm_sigmoid_sum(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    const int64_t M = x.size(0), K = x.size(1), N = weight.size(0);
    auto out = torch::empty({M, 1}, x.options());
    auto X = x.accessor<float, 2>();
    auto W = weight.accessor<float, 2>();
    auto B = bias.accessor<float, 1>();
    auto O = out.accessor<float, 2>();
    for (int64_t i = 0; i < M; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < N; ++j) {
            float acc = B[j];
            for (int64_t k = 0; k < K; ++k) acc += X[i][k] * W[j][k];
            s += 1.0 / (1.0 + std::exp(-(double)acc));
        }
        O[i][0] = (float)s;
    }
    return out;
}
"""

gemm_ext = load_inline(
    name="kbcpu_l2_5_gemm_sigmoid_sum_slow",
    cpp_sources=cpp_source,
    functions=["gemm_sigmoid_sum"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gemm_ext.gemm_sigmoid_sum(x.contiguous(), self.gemm.weight, self.gemm.bias)
