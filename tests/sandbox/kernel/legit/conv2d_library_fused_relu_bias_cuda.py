"""Legitimate: the standard level-2 fusion, written the way models write it.

The convolution stays in the library (nn.Conv2d, cuDNN with `cudnn.benchmark` autotuning);
ReLU and the bias add run in one custom CUDA kernel on the convolution's output.
Problem: problems/conv2d_relu_biasadd.py
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

torch.backends.cudnn.benchmark = True

fused_relu_bias_source = """
#include <torch/extension.h>
#include <cuda_runtime.h>
#include <ATen/cuda/CUDAContext.h>

__global__ void relu_bias_kernel(const float* __restrict__ x, const float* __restrict__ bias,
                                 float* __restrict__ out, int total, int channels, int hw) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx < total) {
        int c = (idx / hw) % channels;
        float v = x[idx];
        out[idx] = (v > 0.f ? v : 0.f) + bias[c];
    }
}

torch::Tensor fused_relu_bias_cuda(torch::Tensor x, torch::Tensor bias) {
    TORCH_CHECK(x.is_cuda(), "x must be a CUDA tensor");
    auto out = torch::empty_like(x);
    int total = x.numel();
    int channels = x.size(1);
    int hw = x.size(2) * x.size(3);
    const int block = 256;
    const int grid = (total + block - 1) / block;
    auto stream = at::cuda::getCurrentCUDAStream();
    relu_bias_kernel<<<grid, block, 0, stream>>>(x.data_ptr<float>(), bias.data_ptr<float>(),
                                                 out.data_ptr<float>(), total, channels, hw);
    return out;
}
"""

fused_relu_bias_cpp_source = "torch::Tensor fused_relu_bias_cuda(torch::Tensor x, torch::Tensor bias);"

fused_relu_bias = load_inline(
    name="fused_relu_bias",
    cpp_sources=fused_relu_bias_cpp_source,
    cuda_sources=fused_relu_bias_source,
    functions=["fused_relu_bias_cuda"],
    verbose=False,
    extra_cuda_cflags=["-O3", "--use_fast_math"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, bias_shape):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.bias = nn.Parameter(torch.randn(bias_shape))
        self.fused_relu_bias = fused_relu_bias

    def forward(self, x):
        x = self.conv(x)
        return self.fused_relu_bias.fused_relu_bias_cuda(x.contiguous(), self.bias.contiguous())
