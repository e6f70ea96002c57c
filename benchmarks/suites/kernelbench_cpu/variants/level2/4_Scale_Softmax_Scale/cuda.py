"""Scale + softmax + gain on CUDA: one block per row, warp-shuffle reductions for max and
sum, temperature and gain folded into the exp argument and the final multiply.

Expected on a GPU: correct; faster than eager (one kernel instead of three).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int THREADS = 256;
constexpr int WARPS = THREADS / 32;

template <bool IS_MAX>
__device__ float block_reduce(float v, float* warp_vals) {
    for (int off = 16; off > 0; off >>= 1) {
        const float other = __shfl_xor_sync(0xffffffffu, v, off);
        v = IS_MAX ? fmaxf(v, other) : v + other;
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_vals[warp] = v;
    __syncthreads();
    float r = warp_vals[0];
    for (int i = 1; i < WARPS; ++i) r = IS_MAX ? fmaxf(r, warp_vals[i]) : r + warp_vals[i];
    __syncthreads();
    return r;
}

__global__ void scaled_softmax_kernel(const float* __restrict__ x, float* __restrict__ out,
                                      int64_t cols, float inv_t, float gain) {
    __shared__ float warp_vals[WARPS];
    const float* xr = x + blockIdx.x * cols;
    float* o = out + blockIdx.x * cols;
    float m = -INFINITY;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = block_reduce<true>(m, warp_vals);
    float s = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
        const float e = __expf((xr[c] - m) * inv_t);
        o[c] = e;
        s += e;
    }
    s = block_reduce<false>(s, warp_vals);
    const float k = gain / s;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) o[c] *= k;
}

torch::Tensor scaled_softmax(torch::Tensor x, double temperature, double gain) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous CUDA float32");
    const int64_t cols = x.size(-1), rows = x.numel() / cols;
    auto out = torch::empty_like(x);
    if (rows > 0) scaled_softmax_kernel<<<(unsigned)rows, THREADS>>>(x.data_ptr<float>(), out.data_ptr<float>(), cols,
                                                                      (float)(1.0 / temperature), (float)gain);
    return out;
}
"""

cpp_source = "torch::Tensor scaled_softmax(torch::Tensor x, double temperature, double gain);"

softmax_ext = load_inline(
    name="kbcpu_l2_4_scale_softmax_scale_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["scaled_softmax"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, temperature: float, gain: float):
        super().__init__()
        self.temperature = temperature
        self.gain = gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_ext.scaled_softmax(x.contiguous(), self.temperature, self.gain)
