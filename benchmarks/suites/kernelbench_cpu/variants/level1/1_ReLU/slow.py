"""ReLU on CPU, SLOW but correct: a single-threaded scalar loop through accessors.

No OpenMP, no vectorization (-O1, and a data-dependent branch per element through a
bounds-aware 2-D accessor). Expected: correct, slower than eager PyTorch.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor relu_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    auto out = torch::empty_like(x);
    auto in = x.accessor<float, 2>();
    auto o = out.accessor<float, 2>();
    for (int64_t r = 0; r < x.size(0); ++r) {
        for (int64_t c = 0; c < x.size(1); ++c) {
            if (in[r][c] > 0.0f) {
                o[r][c] = in[r][c];
            } else {
                o[r][c] = 0.0f;
            }
        }
    }
    return out;
}
"""

relu_ext = load_inline(
    name="kbcpu_l1_1_relu_slow",
    cpp_sources=cpp_source,
    functions=["relu_forward"],
    extra_cflags=["-O1", "-fno-tree-vectorize"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return relu_ext.relu_forward(x)
