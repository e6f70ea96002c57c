"""Legitimate: the extension is built lazily on first use (a global cache), and the kernel
writes into an output buffer the Python side allocates (an out-parameter).
Problem: benchmarks/suites/kernelbench_cpu/level1/3_Softmax.py
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

_SOURCE = r"""
#include <torch/extension.h>
#include <cmath>

void softmax_rows(torch::Tensor x, torch::Tensor out) {
    const int64_t rows = x.size(0), cols = x.size(1);
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = in + r * cols;
        float* dst = o + r * cols;
        float m = row[0];
        for (int64_t c = 1; c < cols; ++c) m = std::max(m, row[c]);
        double s = 0.0;
        for (int64_t c = 0; c < cols; ++c) { dst[c] = std::exp(row[c] - m); s += dst[c]; }
        const float inv = static_cast<float>(1.0 / s);
        for (int64_t c = 0; c < cols; ++c) dst[c] *= inv;
    }
}
"""

_ext = None


def _get_ext():
    global _ext
    if _ext is None:
        _ext = load_inline(name="softmax_rows_ext", cpp_sources=_SOURCE, functions=["softmax_rows"],
                           extra_cflags=["-O3", "-fopenmp"], extra_ldflags=["-fopenmp"])
    return _ext


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous()
        out = torch.empty_like(x)
        _get_ext().softmax_rows(x, out)
        return out
