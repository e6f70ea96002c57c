"""Residual block on CUDA: cuDNN convolutions via F.conv2d (no bias), both epilogues fused
into in-place kernels (bias + ReLU; bias + residual add + ReLU), one (n, c) plane slice per
block so the bias is read once per block.

Expected on a GPU: correct; modestly faster than eager.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

// grid: (ceil(HW / 256), N * C)
__global__ void bias_relu_kernel(float* __restrict__ y, const float* __restrict__ b, int64_t C, int64_t HW) {
    const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
    if (i >= HW) return;
    const int64_t idx = blockIdx.y * HW + i;
    y[idx] = fmaxf(y[idx] + b[blockIdx.y % C], 0.0f);
}

__global__ void bias_add_relu_kernel(float* __restrict__ y, const float* __restrict__ b,
                                     const float* __restrict__ res, int64_t C, int64_t HW) {
    const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
    if (i >= HW) return;
    const int64_t idx = blockIdx.y * HW + i;
    y[idx] = fmaxf(y[idx] + b[blockIdx.y % C] + res[idx], 0.0f);
}

torch::Tensor bias_relu_(torch::Tensor y, torch::Tensor bias) {
    TORCH_CHECK(y.is_cuda() && y.scalar_type() == torch::kFloat32 && y.is_contiguous() && y.dim() == 4, "expects contiguous NCHW CUDA float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    dim3 grid((unsigned)((HW + 255) / 256), (unsigned)(N * C));
    if (y.numel() > 0) bias_relu_kernel<<<grid, 256>>>(y.data_ptr<float>(), bias.data_ptr<float>(), C, HW);
    return y;
}

torch::Tensor bias_add_relu_(torch::Tensor y, torch::Tensor bias, torch::Tensor residual) {
    TORCH_CHECK(y.is_cuda() && y.scalar_type() == torch::kFloat32 && y.is_contiguous() && residual.is_contiguous() && y.dim() == 4,
                "expects contiguous NCHW CUDA float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    dim3 grid((unsigned)((HW + 255) / 256), (unsigned)(N * C));
    if (y.numel() > 0) bias_add_relu_kernel<<<grid, 256>>>(y.data_ptr<float>(), bias.data_ptr<float>(),
                                                            residual.data_ptr<float>(), C, HW);
    return y;
}
"""

cpp_source = """
torch::Tensor bias_relu_(torch::Tensor y, torch::Tensor bias);
torch::Tensor bias_add_relu_(torch::Tensor y, torch::Tensor bias, torch::Tensor residual);
"""

block_ext = load_inline(
    name="kbcpu_l3_3_residualblock_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["bias_relu_", "bias_add_relu_"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous()
        h = block_ext.bias_relu_(F.conv2d(x, self.conv1.weight, None, padding=1).contiguous(), self.conv1.bias)
        y = F.conv2d(h, self.conv2.weight, None, padding=1).contiguous()
        return block_ext.bias_add_relu_(y, self.conv2.bias, x)
