"""Sum over dim 1 of a (B, R, I) tensor on CPU: row-wise vector accumulation.

For each batch item (in parallel) the R rows of length I are added into one accumulator row
that stays in L1, so the input is streamed exactly once in memory order and every add is a
full-width vector add. Expected: correct at 1e-4 (summation order differs: ~1e-6); near
parity with eager, which is also bandwidth bound on this reduction.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor sum_dim1_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 3, "expects contiguous 3-D float32");
    const int64_t B = x.size(0), R = x.size(1), I = x.size(2);
    auto out = torch::empty({B, 1, I}, x.options());
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < B; ++b) {
        float* ob = o + b * I;
        const float* xb = in + b * R * I;
        #pragma omp simd
        for (int64_t i = 0; i < I; ++i) ob[i] = xb[i];
        for (int64_t r = 1; r < R; ++r) {
            const float* xr = xb + r * I;
            #pragma omp simd
            for (int64_t i = 0; i < I; ++i) ob[i] += xr[i];
        }
    }
    return out;
}
"""

sum_ext = load_inline(
    name="kbcpu_l1_6_sum_reduction_cpu",
    cpp_sources=cpp_source,
    functions=["sum_dim1_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        assert dim == 1, "this kernel reduces dimension 1 of a 3-D tensor"
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum_ext.sum_dim1_forward(x.contiguous())
