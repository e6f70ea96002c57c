"""A/A with a custom kernel on kernelbench-cpu's level2/3_Conv2d_Bias_Tanh: a load_inline C++
function doing the reference's own ATen work (conv2d, add, tanh) on the same parameters."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor conv_bias_tanh(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, int64_t padding) {
    auto y = at::conv2d(x, weight, {}, 1, padding);
    return at::tanh(y + bias);
}
"""

ext = load_inline(name="maxcode_bench_conv_bias_tanh_aten", cpp_sources=source,
                  functions=["conv_bias_tanh"], extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.conv_bias_tanh(x, self.conv.weight, self.bias, self.padding)
