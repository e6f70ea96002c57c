"""Legitimate: a problem whose own tensors are half precision; the candidate converts with
__float2half in its kernel and .half() in Python. Half is the task's precision here, not a
downgrade.
Problem: problems/half_relu.py
"""

import torch.nn as nn
from torch.utils.cpp_extension import load_inline

src = r"""
#include <torch/extension.h>
#include <cuda_fp16.h>
__global__ void relu_half(const __half* x, __half* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = __half2float(x[i]);
        y[i] = __float2half(v > 0.f ? v : 0.f);
    }
}
torch::Tensor relu_half_cuda(torch::Tensor x) {
    auto y = torch::empty_like(x);
    int n = x.numel();
    relu_half<<<(n + 255) / 256, 256>>>(reinterpret_cast<const __half*>(x.data_ptr<at::Half>()),
                                       reinterpret_cast<__half*>(y.data_ptr<at::Half>()), n);
    return y;
}
"""

ext = load_inline(name="relu_half_ext", cpp_sources="torch::Tensor relu_half_cuda(torch::Tensor x);",
                  cuda_sources=src, functions=["relu_half_cuda"])


class ModelNew(nn.Module):
    def forward(self, x):
        return ext.relu_half_cuda(x.half().contiguous())
