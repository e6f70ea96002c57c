"""GELU on CPU, WRONG: the "quick GELU" x * sigmoid(1.702 x) in place of the exact erf form.

A common shortcut, but it differs from the exact GELU by up to ~0.02 (around |x| = 2),
twice the 1e-2 tolerance. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor gelu_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    auto out = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    const int64_t n = x.numel();
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        float v = in[i];
        o[i] = v / (1.0f + std::exp(-1.702f * v));
    }
    return out;
}
"""

gelu_ext = load_inline(
    name="kbcpu_l1_2_gelu_wrong",
    cpp_sources=cpp_source,
    functions=["gelu_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gelu_ext.gelu_forward(x.contiguous())
