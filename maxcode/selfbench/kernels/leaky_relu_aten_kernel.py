"""A/A with a custom kernel on KernelBench's level1/20_LeakyReLU.py: a load_inline C++ function doing the
reference's own ATen work (at::leaky_relu(x, 0.01)), so any speedup the judge reports is an artifact."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor leaky_relu_forward(torch::Tensor x) {
    return at::leaky_relu(x, 0.01);
}
"""

ext = load_inline(name="maxcode_bench_leaky_relu_aten", cpp_sources=source, functions=["leaky_relu_forward"],
                  extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.leaky_relu_forward(x)
