"""ReLU on CPU: one OpenMP-parallel, auto-vectorized pass (C++ via load_inline).

Expected: correct; about as fast as eager. ReLU is one read and one write per element, so
eager PyTorch (already vectorized and threaded) is at memory bandwidth too: there is no
temporary to remove and nothing to fuse. Any gain comes from lower dispatch overhead only,
so this variant is not expected to be significantly faster.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor relu_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    auto out = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    const int64_t n = x.numel();
    // A branch-free max compiles to vmaxps; static chunks keep each thread on one range.
    #pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        float v = in[i];
        o[i] = v > 0.0f ? v : 0.0f;
    }
    return out;
}
"""

relu_ext = load_inline(
    name="kbcpu_l1_1_relu_cpu",
    cpp_sources=cpp_source,
    functions=["relu_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return relu_ext.relu_forward(x.contiguous())
