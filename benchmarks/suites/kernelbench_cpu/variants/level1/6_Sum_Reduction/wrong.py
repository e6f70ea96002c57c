"""Sum over dim 1 on CPU, WRONG: off by one, the reduction loop starts at row 1.

The accumulator is zero-initialized and then rows 1..R-1 are added, dropping row 0.
Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor sum_dim1_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 3, "expects contiguous 3-D float32");
    const int64_t B = x.size(0), R = x.size(1), I = x.size(2);
    auto out = torch::zeros({B, 1, I}, x.options());
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < B; ++b) {
        for (int64_t r = 1; r < R; ++r) {
            #pragma omp simd
            for (int64_t i = 0; i < I; ++i) o[b * I + i] += in[(b * R + r) * I + i];
        }
    }
    return out;
}
"""

sum_ext = load_inline(
    name="kbcpu_l1_6_sum_reduction_wrong",
    cpp_sources=cpp_source,
    functions=["sum_dim1_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum_ext.sum_dim1_forward(x.contiguous())
