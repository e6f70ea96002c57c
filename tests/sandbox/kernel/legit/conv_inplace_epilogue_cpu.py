"""Legitimate: the fused epilogue runs in place on the convolution's output (an
intermediate the candidate owns, never an input), and forward returns that tensor.
Problem: problems/conv2d_relu_biasadd.py
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

source = r"""
#include <torch/extension.h>
void relu_bias_(torch::Tensor y, torch::Tensor bias) {
    const int64_t n = y.size(0), c = y.size(1), hw = y.size(2) * y.size(3);
    float* p = y.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for collapse(2)
    for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = 0; ch < c; ++ch) {
            float* row = p + (i * c + ch) * hw;
            for (int64_t k = 0; k < hw; ++k) row[k] = (row[k] > 0.f ? row[k] : 0.f) + b[ch];
        }
}
"""

epilogue = load_inline(name="relu_bias_inplace", cpp_sources=source, functions=["relu_bias_"],
                       extra_cflags=["-O3", "-fopenmp"], extra_ldflags=["-fopenmp"])


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, bias_shape):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.bias = nn.Parameter(torch.randn(bias_shape))

    def forward(self, x):
        y = self.conv(x).contiguous()
        epilogue.relu_bias_(y, self.bias)
        return y
