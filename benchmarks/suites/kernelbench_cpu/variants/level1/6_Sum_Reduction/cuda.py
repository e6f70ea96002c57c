"""Sum over dim 1 on CUDA: one thread per (batch, inner) output element walking the reduced
dimension; neighbouring threads read neighbouring addresses, so loads are coalesced.

Expected on a GPU: correct; near parity with eager (bandwidth bound).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

__global__ void sum_dim1_kernel(const float* __restrict__ in, float* __restrict__ out,
                                int64_t B, int64_t R, int64_t I) {
    const int64_t idx = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
    if (idx >= B * I) return;
    const int64_t b = idx / I, i = idx % I;
    const float* p = in + b * R * I + i;
    float acc = 0.0f;
    for (int64_t r = 0; r < R; ++r) acc += p[r * I];
    out[idx] = acc;
}

torch::Tensor sum_dim1_forward(torch::Tensor x) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 3, "expects contiguous 3-D CUDA float32");
    const int64_t B = x.size(0), R = x.size(1), I = x.size(2);
    auto out = torch::empty({B, 1, I}, x.options());
    const int threads = 256;
    const int64_t blocks = (B * I + threads - 1) / threads;
    if (blocks > 0) sum_dim1_kernel<<<(unsigned)blocks, threads>>>(x.data_ptr<float>(), out.data_ptr<float>(), B, R, I);
    return out;
}
"""

cpp_source = "torch::Tensor sum_dim1_forward(torch::Tensor x);"

sum_ext = load_inline(
    name="kbcpu_l1_6_sum_reduction_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["sum_dim1_forward"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        assert dim == 1, "this kernel reduces dimension 1 of a 3-D tensor"
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum_ext.sum_dim1_forward(x.contiguous())
