"""Tiny attention on CUDA: cuBLAS for the projections and the two batched matmuls, the
scaling + softmax fused into one in-place row kernel (one warp per row of 256 scores,
shuffle reductions).

Expected on a GPU: correct; modestly faster than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int ROWS_PER_BLOCK = 8;  // one warp per row

__global__ void scaled_softmax_kernel(float* __restrict__ s, int64_t rows, int64_t cols, float scale) {
    const int64_t row = blockIdx.x * (int64_t)ROWS_PER_BLOCK + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    float* r = s + row * cols;
    float m = -INFINITY;
    for (int64_t c = lane; c < cols; c += 32) m = fmaxf(m, r[c]);
    for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
    float sum = 0.0f;
    for (int64_t c = lane; c < cols; c += 32) { const float e = __expf((r[c] - m) * scale); r[c] = e; sum += e; }
    for (int off = 16; off > 0; off >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, off);
    const float inv = 1.0f / sum;
    for (int64_t c = lane; c < cols; c += 32) r[c] *= inv;
}

torch::Tensor scaled_softmax_(torch::Tensor s, double scale) {
    TORCH_CHECK(s.is_cuda() && s.scalar_type() == torch::kFloat32 && s.is_contiguous(), "expects contiguous CUDA float32");
    const int64_t cols = s.size(-1), rows = s.numel() / cols;
    const int64_t blocks = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
    if (rows > 0) scaled_softmax_kernel<<<(unsigned)blocks, ROWS_PER_BLOCK * 32>>>(s.data_ptr<float>(), rows, cols, (float)scale);
    return s;
}
"""

cpp_source = "torch::Tensor scaled_softmax_(torch::Tensor s, double scale);"

attn_ext = load_inline(
    name="kbcpu_l3_2_tinyattention_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["scaled_softmax_"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, embed_dim: int):
        super().__init__()
        self.embed_dim = embed_dim
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        # Projections stay library GEMMs (addmm on a 2-D view); the kernel replaces the softmax.
        qkv = torch.addmm(self.qkv.bias, x.reshape(b * t, d), self.qkv.weight.t()).view(b, t, 3 * d)
        q, k, v = qkv[..., :d], qkv[..., d : 2 * d], qkv[..., 2 * d :]
        scores = torch.bmm(q, k.transpose(1, 2))
        probs = attn_ext.scaled_softmax_(scores, self.embed_dim**-0.5)
        y = torch.bmm(probs, v).reshape(b * t, d)
        return torch.addmm(self.proj.bias, y, self.proj.weight.t()).view(b, t, d)
