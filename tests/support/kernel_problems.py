"""KernelBench-format problems the tests write where a real file would be read."""

# KernelBench's level2/12_Gemm_Multiply_LeakyReLU.py (first release) at CPU test sizes: the
# file the user ran `maxcode optimize` on.
GEMM_LEAKY = '''
import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, in_features, out_features, multiplier, negative_slope):
        super(Model, self).__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.multiplier = multiplier
        self.leaky_relu = nn.LeakyReLU(negative_slope)

    def forward(self, x):
        x = self.gemm(x)
        x = x * self.multiplier
        x = self.leaky_relu(x)
        return x


batch_size = 128
in_features = 512
out_features = 256


def get_inputs():
    return [torch.rand(batch_size, in_features)]


def get_init_inputs():
    return [in_features, out_features, 2.0, 0.1]
'''
