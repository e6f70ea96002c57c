"""GELU on CPU, SLOW but correct: single-threaded scalar libm erf in double precision.

Each element is promoted to double and goes through std::erf, a scalar library call; no
OpenMP. Expected: correct, several times slower than eager PyTorch.
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
    for (int64_t i = 0; i < x.numel(); ++i) {
        double v = in[i];
        o[i] = (float)(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
    }
    return out;
}
"""

gelu_ext = load_inline(
    name="kbcpu_l1_2_gelu_slow",
    cpp_sources=cpp_source,
    functions=["gelu_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gelu_ext.gelu_forward(x.contiguous())
