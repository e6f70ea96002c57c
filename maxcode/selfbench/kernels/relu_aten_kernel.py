"""A/A with a custom kernel: a load_inline C++ function doing the reference's own ATen work
(at::relu), so any speedup the judge reports is an artifact of the measurement."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor relu_forward(torch::Tensor x) {
    return at::relu(x);
}
"""

ext = load_inline(name="maxcode_bench_relu_aten", cpp_sources=source, functions=["relu_forward"],
                  extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.relu_forward(x)
