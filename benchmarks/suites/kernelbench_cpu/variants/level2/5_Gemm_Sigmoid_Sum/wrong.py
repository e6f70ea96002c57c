"""Gemm + sigmoid + row sum on CPU, WRONG: sign error in the sigmoid, 1 / (1 + exp(+v)).

That is sigmoid(-v) = 1 - sigmoid(v), so every row sum becomes N - (correct sum).
Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor bias_sigmoid_rowsum(torch::Tensor h, torch::Tensor bias) {
    TORCH_CHECK(h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D float32");
    const int64_t rows = h.size(0), cols = h.size(1);
    auto out = torch::empty({rows, 1}, h.options());
    const float* H = h.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    float* O = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        float s = 0.0f;
        for (int64_t c = 0; c < cols; ++c) s += 1.0f / (1.0f + std::exp(H[r * cols + c] + b[c]));
        O[r] = s;
    }
    return out;
}
"""

reduce_ext = load_inline(
    name="kbcpu_l2_5_gemm_sigmoid_sum_wrong",
    cpp_sources=cpp_source,
    functions=["bias_sigmoid_rowsum"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.mm(x.contiguous(), self.gemm.weight.t())
        return reduce_ext.bias_sigmoid_rowsum(h, self.gemm.bias)
