"""Sum over dim 1 on CPU, SLOW but correct: strided column walks, single-threaded.

For each output element the loop walks down the reduced dimension with stride I (a cache
line per element), through a 3-D accessor at -O1. Expected: correct, slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor sum_dim1_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 3, "expects 3-D float32");
    const int64_t B = x.size(0), R = x.size(1), I = x.size(2);
    auto out = torch::empty({B, 1, I}, x.options());
    auto in = x.accessor<float, 3>();
    auto o = out.accessor<float, 3>();
    for (int64_t b = 0; b < B; ++b) {
        for (int64_t i = 0; i < I; ++i) {
            float acc = 0.0f;
            for (int64_t r = 0; r < R; ++r) acc += in[b][r][i];
            o[b][0][i] = acc;
        }
    }
    return out;
}
"""

sum_ext = load_inline(
    name="kbcpu_l1_6_sum_reduction_slow",
    cpp_sources=cpp_source,
    functions=["sum_dim1_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum_ext.sum_dim1_forward(x.contiguous())
