"""Conv2d + bias + tanh on CUDA: cuDNN convolution via F.conv2d (no bias), then one fused
in-place bias + tanh kernel, one block row per (n, c) plane.

Expected on a GPU: correct; faster than eager (two fewer passes over the activation).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

// grid: (ceil(HW / 256), N * C); every block handles one slice of one (n, c) plane.
__global__ void bias_tanh_kernel(float* __restrict__ y, const float* __restrict__ b, int64_t C, int64_t HW) {
    const int64_t plane = blockIdx.y;
    const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
    if (i >= HW) return;
    const float bc = b[plane % C];
    float* p = y + plane * HW;
    p[i] = tanhf(p[i] + bc);
}

torch::Tensor bias_tanh_(torch::Tensor y, torch::Tensor bias) {
    TORCH_CHECK(y.is_cuda() && y.scalar_type() == torch::kFloat32 && y.is_contiguous() && y.dim() == 4, "expects contiguous NCHW CUDA float32");
    const int64_t N = y.size(0), C = y.size(1), HW = y.size(2) * y.size(3);
    const int threads = 256;
    dim3 grid((unsigned)((HW + threads - 1) / threads), (unsigned)(N * C));
    if (y.numel() > 0) bias_tanh_kernel<<<grid, threads>>>(y.data_ptr<float>(), bias.data_ptr<float>(), C, HW);
    return y;
}
"""

cpp_source = "torch::Tensor bias_tanh_(torch::Tensor y, torch::Tensor bias);"

epilogue_ext = load_inline(
    name="kbcpu_l2_3_conv2d_bias_tanh_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["bias_tanh_"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.conv.weight, None, padding=self.conv.padding).contiguous()
        return epilogue_ext.bias_tanh_(y, self.bias)
