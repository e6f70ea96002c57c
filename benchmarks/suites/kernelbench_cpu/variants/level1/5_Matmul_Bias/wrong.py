"""Matmul + bias on CPU, WRONG: the bias is indexed by the output row instead of the column.

`bias[i]` instead of `bias[j]`: in bounds here (batch 512 <= out_features 1024), so it does
not crash, but every row gets one constant offset. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor matmul_bias_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && weight.is_contiguous(), "expects contiguous float32");
    const int64_t M = x.size(0), K = x.size(1), N = weight.size(0);
    auto out = torch::empty({M, N}, x.options());
    const float* X = x.data_ptr<float>();
    const float* W = weight.data_ptr<float>();
    const float* B = bias.data_ptr<float>();
    float* O = out.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
            float acc = B[i % N];
            #pragma omp simd reduction(+:acc)
            for (int64_t k = 0; k < K; ++k) acc += X[i * K + k] * W[j * K + k];
            O[i * N + j] = acc;
        }
    }
    return out;
}
"""

mm_ext = load_inline(
    name="kbcpu_l1_5_matmul_bias_wrong",
    cpp_sources=cpp_source,
    functions=["matmul_bias_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / in_features**0.5)
        self.bias = nn.Parameter(torch.randn(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mm_ext.matmul_bias_forward(x.contiguous(), self.weight, self.bias)
