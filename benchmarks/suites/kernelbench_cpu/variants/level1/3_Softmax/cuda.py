"""Softmax over dim 1 on CUDA: one block per row, shared-memory max and sum reductions.

Expected on a GPU: correct; near parity with eager for these row lengths.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int THREADS = 256;

__device__ float block_reduce(float v, float* smem, bool is_max) {
    smem[threadIdx.x] = v;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            float other = smem[threadIdx.x + stride];
            smem[threadIdx.x] = is_max ? fmaxf(smem[threadIdx.x], other) : smem[threadIdx.x] + other;
        }
        __syncthreads();
    }
    float result = smem[0];
    __syncthreads();
    return result;
}

__global__ void softmax_kernel(const float* __restrict__ in, float* __restrict__ out, int64_t cols) {
    __shared__ float smem[THREADS];
    const float* xr = in + blockIdx.x * cols;
    float* orow = out + blockIdx.x * cols;
    float m = -INFINITY;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = block_reduce(m, smem, true);
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
        float e = __expf(xr[c] - m);
        orow[c] = e;
        s += e;
    }
    s = block_reduce(s, smem, false);
    const float inv = 1.0f / s;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) orow[c] *= inv;
}

torch::Tensor softmax_forward(torch::Tensor x) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 2, "expects contiguous 2-D CUDA float32");
    auto out = torch::empty_like(x);
    if (x.size(0) > 0) softmax_kernel<<<(unsigned)x.size(0), THREADS>>>(x.data_ptr<float>(), out.data_ptr<float>(), x.size(1));
    return out;
}
"""

cpp_source = "torch::Tensor softmax_forward(torch::Tensor x);"

softmax_ext = load_inline(
    name="kbcpu_l1_3_softmax_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["softmax_forward"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_ext.softmax_forward(x.contiguous())
