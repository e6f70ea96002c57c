"""Matmul + bias on CUDA: 32x32 shared-memory tiles, each thread computing a 4-row strip,
bias added in the epilogue.

Expected on a GPU: correct; slower than cuBLAS (eager) for this size: a plain tiled kernel
does not use tensor cores.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int TILE = 32;
constexpr int ROWS_PER_THREAD = 4;

// out[M,N] = x[M,K] @ w[N,K]^T + b[N]; block = (32, 8) threads covers a 32x32 output tile.
__global__ void matmul_bias_kernel(const float* __restrict__ x, const float* __restrict__ w,
                                   const float* __restrict__ b, float* __restrict__ out,
                                   int M, int N, int K) {
    __shared__ float xs[TILE][TILE + 1];
    __shared__ float ws[TILE][TILE + 1];
    const int col = blockIdx.x * TILE + threadIdx.x;
    const int row0 = blockIdx.y * TILE + threadIdx.y * ROWS_PER_THREAD;
    float acc[ROWS_PER_THREAD] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int k0 = 0; k0 < K; k0 += TILE) {
        for (int r = 0; r < ROWS_PER_THREAD; ++r) {
            const int lr = threadIdx.y * ROWS_PER_THREAD + r;
            const int xr = blockIdx.y * TILE + lr, kc = k0 + threadIdx.x;
            xs[lr][threadIdx.x] = (xr < M && kc < K) ? x[(int64_t)xr * K + kc] : 0.0f;
            const int wr = blockIdx.x * TILE + lr;
            ws[lr][threadIdx.x] = (wr < N && kc < K) ? w[(int64_t)wr * K + kc] : 0.0f;
        }
        __syncthreads();
        for (int kk = 0; kk < TILE; ++kk) {
            const float wv = ws[threadIdx.x][kk];
            for (int r = 0; r < ROWS_PER_THREAD; ++r) acc[r] += xs[threadIdx.y * ROWS_PER_THREAD + r][kk] * wv;
        }
        __syncthreads();
    }
    if (col < N) {
        for (int r = 0; r < ROWS_PER_THREAD; ++r) {
            const int row = row0 + r;
            if (row < M) out[(int64_t)row * N + col] = acc[r] + b[col];
        }
    }
}

torch::Tensor matmul_bias_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && weight.is_contiguous(), "expects contiguous CUDA float32");
    const int M = x.size(0), K = x.size(1), N = weight.size(0);
    auto out = torch::empty({M, N}, x.options());
    dim3 block(TILE, TILE / ROWS_PER_THREAD);
    dim3 grid((N + TILE - 1) / TILE, (M + TILE - 1) / TILE);
    matmul_bias_kernel<<<grid, block>>>(x.data_ptr<float>(), weight.data_ptr<float>(), bias.data_ptr<float>(),
                                        out.data_ptr<float>(), M, N, K);
    return out;
}
"""

cpp_source = "torch::Tensor matmul_bias_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias);"

mm_ext = load_inline(
    name="kbcpu_l1_5_matmul_bias_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["matmul_bias_forward"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / in_features**0.5)
        self.bias = nn.Parameter(torch.randn(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mm_ext.matmul_bias_forward(x.contiguous(), self.weight, self.bias)
