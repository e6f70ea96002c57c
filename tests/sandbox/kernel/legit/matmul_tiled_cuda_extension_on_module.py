"""Legitimate: a tiled shared-memory GEMM with the bias fused, the extension stored on the
module (KernelBench's own example layout), `x @ w` nowhere in Python; grid arithmetic in
forward is plain integers.
Problem: benchmarks/suites/kernelbench_cpu/level1/5_Matmul_Bias.py
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

TILE = 16

matmul_bias_source = """
#include <torch/extension.h>
#include <cuda_runtime.h>
#define TILE 16

__global__ void matmul_bias_kernel(const float* A, const float* W, const float* b, float* C,
                                   int M, int N, int K) {
    __shared__ float As[TILE][TILE];
    __shared__ float Ws[TILE][TILE];
    int row = blockIdx.y * TILE + threadIdx.y;
    int col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.f;
    for (int t = 0; t < (K + TILE - 1) / TILE; ++t) {
        int ka = t * TILE + threadIdx.x, kw = t * TILE + threadIdx.y;
        As[threadIdx.y][threadIdx.x] = (row < M && ka < K) ? A[row * K + ka] : 0.f;
        Ws[threadIdx.y][threadIdx.x] = (col < N && kw < K) ? W[col * K + kw] : 0.f;
        __syncthreads();
        for (int k = 0; k < TILE; ++k) acc += As[threadIdx.y][k] * Ws[k][threadIdx.x];
        __syncthreads();
    }
    if (row < M && col < N) C[row * N + col] = acc + b[col];
}

torch::Tensor matmul_bias_cuda(torch::Tensor a, torch::Tensor w, torch::Tensor b, int64_t grid_x, int64_t grid_y) {
    auto out = torch::empty({a.size(0), w.size(0)}, a.options());
    dim3 block(TILE, TILE), grid(grid_x, grid_y);
    matmul_bias_kernel<<<grid, block>>>(a.data_ptr<float>(), w.data_ptr<float>(), b.data_ptr<float>(),
                                        out.data_ptr<float>(), a.size(0), w.size(0), a.size(1));
    return out;
}
"""

matmul_bias_cpp = "torch::Tensor matmul_bias_cuda(torch::Tensor a, torch::Tensor w, torch::Tensor b, int64_t grid_x, int64_t grid_y);"

matmul_bias = load_inline(name="matmul_bias", cpp_sources=matmul_bias_cpp, cuda_sources=matmul_bias_source,
                          functions=["matmul_bias_cuda"], verbose=True)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) * 0.05)
        self.bias = nn.Parameter(torch.randn(out_features) * 0.05)
        self.matmul_bias = matmul_bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m, n = x.size(0), self.weight.size(0)
        grid_x = (n + TILE - 1) // TILE
        grid_y = (m + TILE - 1) // TILE
        return self.matmul_bias.matmul_bias_cuda(x.contiguous(), self.weight, self.bias, grid_x, grid_y)
