"""LayerNorm on CUDA: one block per row, two shared-memory reductions (mean, centered
variance), then a fused normalize + affine pass.

Expected on a GPU: correct; near parity with eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int THREADS = 256;

__device__ float block_sum(float v, float* smem) {
    smem[threadIdx.x] = v;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) smem[threadIdx.x] += smem[threadIdx.x + stride];
        __syncthreads();
    }
    float result = smem[0];
    __syncthreads();
    return result;
}

__global__ void layernorm_kernel(const float* __restrict__ in, const float* __restrict__ w,
                                 const float* __restrict__ b, float* __restrict__ out,
                                 int64_t cols, float eps) {
    __shared__ float smem[THREADS];
    const float* xr = in + blockIdx.x * cols;
    float* orow = out + blockIdx.x * cols;
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += xr[c];
    const float mean = block_sum(s, smem) / cols;
    float v = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) { float d = xr[c] - mean; v += d * d; }
    const float rstd = rsqrtf(block_sum(v, smem) / cols + eps);
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) orow[c] = (xr[c] - mean) * rstd * w[c] + b[c];
}

torch::Tensor layernorm_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, double eps) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous CUDA float32");
    const int64_t cols = weight.numel();
    const int64_t rows = x.numel() / cols;
    auto out = torch::empty_like(x);
    if (rows > 0) layernorm_kernel<<<(unsigned)rows, THREADS>>>(x.data_ptr<float>(), weight.data_ptr<float>(),
                                                                 bias.data_ptr<float>(), out.data_ptr<float>(), cols, (float)eps);
    return out;
}
"""

cpp_source = "torch::Tensor layernorm_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, double eps);"

ln_ext = load_inline(
    name="kbcpu_l1_4_layernorm_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["layernorm_forward"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, normalized_shape: int):
        super().__init__()
        self.ln = nn.LayerNorm(normalized_shape)
        with torch.no_grad():
            self.ln.weight.copy_(1.0 + 0.1 * torch.randn(normalized_shape))
            self.ln.bias.copy_(0.1 * torch.randn(normalized_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ln_ext.layernorm_forward(x.contiguous(), self.ln.weight, self.ln.bias, self.ln.eps)
