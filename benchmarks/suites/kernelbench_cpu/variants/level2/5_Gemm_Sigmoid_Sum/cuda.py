"""Gemm + sigmoid + row sum on CUDA: cuBLAS GEMM via torch.mm (no bias), then one block per
row applies bias + sigmoid and reduces the row with warp shuffles: the activation is never
written to global memory.

Expected on a GPU: correct; faster than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int THREADS = 256;

__global__ void bias_sigmoid_rowsum_kernel(const float* __restrict__ h, const float* __restrict__ b,
                                           float* __restrict__ out, int64_t cols) {
    __shared__ float warp_sums[THREADS / 32];
    const float* hr = h + blockIdx.x * cols;
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += 1.0f / (1.0f + __expf(-(hr[c] + b[c])));
    for (int off = 16; off > 0; off >>= 1) s += __shfl_xor_sync(0xffffffffu, s, off);
    if ((threadIdx.x & 31) == 0) warp_sums[threadIdx.x >> 5] = s;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = 0.0f;
        for (int i = 0; i < THREADS / 32; ++i) total += warp_sums[i];
        out[blockIdx.x] = total;
    }
}

torch::Tensor bias_sigmoid_rowsum(torch::Tensor h, torch::Tensor bias) {
    TORCH_CHECK(h.is_cuda() && h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D CUDA float32");
    const int64_t rows = h.size(0), cols = h.size(1);
    auto out = torch::empty({rows, 1}, h.options());
    if (rows > 0) bias_sigmoid_rowsum_kernel<<<(unsigned)rows, THREADS>>>(h.data_ptr<float>(), bias.data_ptr<float>(),
                                                                           out.data_ptr<float>(), cols);
    return out;
}
"""

cpp_source = "torch::Tensor bias_sigmoid_rowsum(torch::Tensor h, torch::Tensor bias);"

reduce_ext = load_inline(
    name="kbcpu_l2_5_gemm_sigmoid_sum_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["bias_sigmoid_rowsum"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.mm(x.contiguous(), self.gemm.weight.t())
        return reduce_ext.bias_sigmoid_rowsum(h, self.gemm.bias)
