"""Softmax on CPU, SLOW but correct: single-threaded, scalar libm exp evaluated twice.

The exponentials are recomputed in the normalization pass instead of stored, in double
precision, with no OpenMP. Expected: correct, several times slower than eager.
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
    for (int64_t r = 0; r < rows; ++r) {
        double m = -INFINITY;
        for (int64_t c = 0; c < cols; ++c) m = std::max(m, (double)in[r * cols + c]);
        double s = 0.0;
        for (int64_t c = 0; c < cols; ++c) s += std::exp(in[r * cols + c] - m);
        for (int64_t c = 0; c < cols; ++c) o[r * cols + c] = (float)(std::exp(in[r * cols + c] - m) / s);
    }
    return out;
}
"""

softmax_ext = load_inline(
    name="kbcpu_l1_3_softmax_slow",
    cpp_sources=cpp_source,
    functions=["softmax_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_ext.softmax_forward(x.contiguous())
