"""Gemm + ReLU + scale on CUDA: cuBLAS GEMM via torch.mm, then one fused in-place epilogue
kernel (bias + ReLU + scale) instead of eager's separate relu and multiply launches.

Expected on a GPU: correct; faster than eager (two fewer passes over the output).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

__global__ void bias_relu_scale_kernel(float* __restrict__ h, const float* __restrict__ b,
                                       int64_t n, int64_t cols, float s) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        h[i] = fmaxf(h[i] + b[i % cols], 0.0f) * s;
    }
}

torch::Tensor bias_relu_scale_(torch::Tensor h, torch::Tensor bias, double scale) {
    TORCH_CHECK(h.is_cuda() && h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D CUDA float32");
    const int64_t n = h.numel();
    const int threads = 256;
    int blocks = (int)std::min<int64_t>((n + threads - 1) / threads, 65535);
    if (n > 0) bias_relu_scale_kernel<<<blocks, threads>>>(h.data_ptr<float>(), bias.data_ptr<float>(), n, h.size(1), (float)scale);
    return h;
}
"""

cpp_source = "torch::Tensor bias_relu_scale_(torch::Tensor h, torch::Tensor bias, double scale);"

epilogue_ext = load_inline(
    name="kbcpu_l2_1_gemm_relu_scale_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["bias_relu_scale_"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int, scale: float):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.mm(x.contiguous(), self.gemm.weight.t())
        return epilogue_ext.bias_relu_scale_(h, self.gemm.bias, self.scale)
