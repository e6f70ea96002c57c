"""A/A with a custom kernel on KernelBench's level1/32_HardTanh.py: a load_inline C++ function doing the
reference's own ATen work (at::hardtanh(x, -1.0, 1.0)), so any speedup the judge reports is an artifact."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor hardtanh_forward(torch::Tensor x) {
    return at::hardtanh(x, -1.0, 1.0);
}
"""

ext = load_inline(name="maxcode_bench_hardtanh_aten", cpp_sources=source, functions=["hardtanh_forward"],
                  extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.hardtanh_forward(x)
