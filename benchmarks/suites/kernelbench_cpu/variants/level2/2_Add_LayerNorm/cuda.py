"""Residual add + LayerNorm on CUDA: one block per row; the row sum x + residual is kept in
shared memory (no global temporary), reduced for mean and centered variance, normalized.

Expected on a GPU: correct; faster than eager (one read of each input, one write).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int THREADS = 256;

__device__ float block_sum(float v, float* red) {
    red[threadIdx.x] = v;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) red[threadIdx.x] += red[threadIdx.x + stride];
        __syncthreads();
    }
    float result = red[0];
    __syncthreads();
    return result;
}

// dynamic shared memory: cols floats for the summed row.
__global__ void add_layernorm_kernel(const float* __restrict__ x, const float* __restrict__ res,
                                     const float* __restrict__ w, const float* __restrict__ b,
                                     float* __restrict__ out, int64_t cols, float eps) {
    extern __shared__ float row[];
    __shared__ float red[THREADS];
    const int64_t base = blockIdx.x * cols;
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
        const float v = x[base + c] + res[base + c];
        row[c] = v;
        s += v;
    }
    const float mean = block_sum(s, red) / cols;
    float var = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) { const float d = row[c] - mean; var += d * d; }
    const float rstd = rsqrtf(block_sum(var, red) / cols + eps);
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) out[base + c] = (row[c] - mean) * rstd * w[c] + b[c];
}

torch::Tensor add_layernorm(torch::Tensor x, torch::Tensor res, torch::Tensor weight, torch::Tensor bias, double eps) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && res.is_contiguous(), "expects contiguous CUDA float32");
    const int64_t cols = weight.numel();
    const int64_t rows = x.numel() / cols;
    TORCH_CHECK(cols * sizeof(float) <= 48 * 1024, "row too long for shared memory");
    auto out = torch::empty_like(x);
    if (rows > 0) add_layernorm_kernel<<<(unsigned)rows, THREADS, cols * sizeof(float)>>>(
        x.data_ptr<float>(), res.data_ptr<float>(), weight.data_ptr<float>(), bias.data_ptr<float>(),
        out.data_ptr<float>(), cols, (float)eps);
    return out;
}
"""

cpp_source = "torch::Tensor add_layernorm(torch::Tensor x, torch::Tensor res, torch::Tensor weight, torch::Tensor bias, double eps);"

add_ln_ext = load_inline(
    name="kbcpu_l2_2_add_layernorm_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["add_layernorm"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.norm = nn.LayerNorm(features)
        with torch.no_grad():
            self.norm.weight.copy_(1.0 + 0.1 * torch.randn(features))
            self.norm.bias.copy_(0.1 * torch.randn(features))

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return add_ln_ext.add_layernorm(x.contiguous(), residual.contiguous(), self.norm.weight,
                                        self.norm.bias, self.norm.eps)
