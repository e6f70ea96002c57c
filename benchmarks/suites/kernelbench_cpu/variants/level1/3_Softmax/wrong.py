"""Softmax on CPU, WRONG: normalizes over the batch axis (dim 0) instead of dim 1.

A classic wrong-reduction-axis bug: every column sums to 1 instead of every row.
Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor softmax_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 2, "expects contiguous 2-D float32");
    auto out = torch::empty_like(x);
    const int64_t rows = x.size(0), cols = x.size(1);
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < cols; ++c) {
        float m = -INFINITY;
        for (int64_t r = 0; r < rows; ++r) m = std::max(m, in[r * cols + c]);
        float s = 0.0f;
        for (int64_t r = 0; r < rows; ++r) {
            float e = std::exp(in[r * cols + c] - m);
            o[r * cols + c] = e;
            s += e;
        }
        for (int64_t r = 0; r < rows; ++r) o[r * cols + c] /= s;
    }
    return out;
}
"""

softmax_ext = load_inline(
    name="kbcpu_l1_3_softmax_wrong",
    cpp_sources=cpp_source,
    functions=["softmax_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_ext.softmax_forward(x.contiguous())
