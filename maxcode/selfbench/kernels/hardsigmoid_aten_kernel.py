"""A/A with a custom kernel on KernelBench's level1/28_HardSigmoid.py: a load_inline C++ function doing the
reference's own ATen work (at::hardsigmoid(x)), so any speedup the judge reports is an artifact."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor hardsigmoid_forward(torch::Tensor x) {
    return at::hardsigmoid(x);
}
"""

ext = load_inline(name="maxcode_bench_hardsigmoid_aten", cpp_sources=source, functions=["hardsigmoid_forward"],
                  extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.hardsigmoid_forward(x)
