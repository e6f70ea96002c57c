"""Two-layer MLP on CUDA: cuBLAS GEMMs via torch.mm / torch.addmm, the hidden bias + ReLU
fused into one in-place kernel (vectorized float4 when the width allows).

Expected on a GPU: correct; modestly faster than eager (one fewer pass over the hidden layer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

__global__ void bias_relu_kernel(float* __restrict__ h, const float* __restrict__ b, int64_t n, int64_t cols) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        h[i] = fmaxf(h[i] + b[i % cols], 0.0f);
    }
}

__global__ void bias_relu_vec4_kernel(float4* __restrict__ h, const float4* __restrict__ b, int64_t n4, int64_t cols4) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n4; i += (int64_t)gridDim.x * blockDim.x) {
        float4 v = h[i];
        const float4 bb = b[i % cols4];
        v.x = fmaxf(v.x + bb.x, 0.0f); v.y = fmaxf(v.y + bb.y, 0.0f);
        v.z = fmaxf(v.z + bb.z, 0.0f); v.w = fmaxf(v.w + bb.w, 0.0f);
        h[i] = v;
    }
}

torch::Tensor bias_relu_(torch::Tensor h, torch::Tensor bias) {
    TORCH_CHECK(h.is_cuda() && h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D CUDA float32");
    const int64_t n = h.numel(), cols = h.size(1);
    const int threads = 256;
    if (n == 0) return h;
    if (cols % 4 == 0) {
        const int64_t n4 = n / 4;
        int blocks = (int)std::min<int64_t>((n4 + threads - 1) / threads, 65535);
        bias_relu_vec4_kernel<<<blocks, threads>>>(reinterpret_cast<float4*>(h.data_ptr<float>()),
                                                   reinterpret_cast<const float4*>(bias.data_ptr<float>()), n4, cols / 4);
    } else {
        int blocks = (int)std::min<int64_t>((n + threads - 1) / threads, 65535);
        bias_relu_kernel<<<blocks, threads>>>(h.data_ptr<float>(), bias.data_ptr<float>(), n, cols);
    }
    return h;
}
"""

cpp_source = "torch::Tensor bias_relu_(torch::Tensor h, torch::Tensor bias);"

mlp_ext = load_inline(
    name="kbcpu_l3_1_mlp_2layer_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["bias_relu_"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, hidden_features: int, out_features: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = mlp_ext.bias_relu_(torch.mm(x.contiguous(), self.fc1.weight.t()), self.fc1.bias)
        return torch.addmm(self.fc2.bias, h, self.fc2.weight.t())
