"""A/A with a custom kernel on KernelBench's level1/24_LogSoftmax.py: a load_inline C++ function doing the
reference's own ATen work (at::log_softmax(x, 1)), so any speedup the judge reports is an artifact."""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>

torch::Tensor log_softmax_forward(torch::Tensor x) {
    return at::log_softmax(x, 1);
}
"""

ext = load_inline(name="maxcode_bench_log_softmax_aten", cpp_sources=source, functions=["log_softmax_forward"],
                  extra_cflags=["-O2"])


class ModelNew(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ext.log_softmax_forward(x)
