"""ReLU on CPU, WRONG: an off-by-one row bound leaves the last row un-rectified.

The kernel copies the input and clamps rows `0 .. rows-2` (the loop stops one row early),
so negative values of the last row survive. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor relu_forward(torch::Tensor x) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    auto out = x.clone();
    float* o = out.data_ptr<float>();
    const int64_t rows = x.size(0);
    const int64_t cols = x.numel() / rows;
    #pragma omp parallel for
    for (int64_t r = 0; r < rows - 1; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            float v = o[r * cols + c];
            o[r * cols + c] = v > 0.0f ? v : 0.0f;
        }
    }
    return out;
}
"""

relu_ext = load_inline(
    name="kbcpu_l1_1_relu_wrong",
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
