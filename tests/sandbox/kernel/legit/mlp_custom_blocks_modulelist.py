"""Legitimate: a level-3 model rebuilt from custom blocks held in an nn.ModuleList; each
block keeps its GEMM in the library (torch.addmm) and fuses bias + ReLU in a C++ kernel
(the bias add of the last layer too).
Problem: problems/deep_mlp.py
"""

import math

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = """
#include <torch/extension.h>

torch::Tensor bias_act(torch::Tensor x, torch::Tensor b, bool relu) {
    auto out = torch::empty_like(x);
    const int64_t rows = x.size(0), cols = x.size(1);
    const float* in = x.data_ptr<float>();
    const float* bias = b.data_ptr<float>();
    float* o = out.data_ptr<float>();
    #pragma omp parallel for
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            float v = in[r * cols + c] + bias[c];
            o[r * cols + c] = (relu && v < 0.f) ? 0.f : v;
        }
    }
    return out;
}
"""

ext = load_inline(name="mlp_bias_act", cpp_sources=cpp_source, functions=["bias_act"],
                  extra_cflags=["-O3", "-fopenmp"], extra_ldflags=["-fopenmp"])


class FusedLinear(nn.Module):
    def __init__(self, in_features, out_features, relu):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.relu = relu
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(in_features)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        y = torch.mm(x, self.weight.t())
        return ext.bias_act(y.contiguous(), self.bias, self.relu)


class ModelNew(nn.Module):
    def __init__(self, input_size, layer_sizes, output_size):
        super().__init__()
        sizes = [input_size, *layer_sizes]
        self.layers = nn.ModuleList(
            [FusedLinear(a, b, True) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
            + [FusedLinear(sizes[-1], output_size, False)]
        )

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
