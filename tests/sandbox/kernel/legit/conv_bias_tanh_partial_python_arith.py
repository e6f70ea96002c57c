"""Legitimate: convolution in the library, the bias add in Python, tanh in a custom kernel
whose result is returned (the kernel does one of the reference's ops on the output path).
Problem: benchmarks/suites/kernelbench_cpu/level2/3_Conv2d_Bias_Tanh.py
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

tanh_source = """
#include <torch/extension.h>
#include <cmath>
torch::Tensor tanh_inplace(torch::Tensor x) {
    float* p = x.data_ptr<float>();
    const int64_t n = x.numel();
    #pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) p[i] = std::tanh(p[i]);
    return x;
}
"""

tanh_ext = load_inline(name="tanh_inplace_ext", cpp_sources=tanh_source, functions=["tanh_inplace"],
                       extra_cflags=["-O3", "-fopenmp"], extra_ldflags=["-fopenmp"])


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.conv.weight, None, padding=self.conv.padding)
        y = (y + self.bias).contiguous()
        return tanh_ext.tanh_inplace(y)
