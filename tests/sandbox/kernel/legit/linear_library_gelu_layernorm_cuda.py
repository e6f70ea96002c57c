"""Legitimate: F.linear in the library (cuBLAS), GELU and LayerNorm fused into one CUDA
kernel per row; weights initialised like nn.Linear; TF32 explicitly kept off and fp32
matmul precision "highest" (settings that raise, not lower, precision).
Problem: problems/linear_gelu_layernorm.py
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_float32_matmul_precision("highest")

cuda_src = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>
#include <c10/cuda/CUDAGuard.h>

template <int BLOCK>
__global__ void gelu_layernorm_kernel(const float* x, const float* gamma, const float* beta,
                                      float* out, int cols, float eps) {
    __shared__ float s_sum[BLOCK];
    __shared__ float s_sq[BLOCK];
    const int row = blockIdx.x;
    const float* in = x + (size_t)row * cols;
    float* dst = out + (size_t)row * cols;
    float sum = 0.f, sq = 0.f;
    for (int c = threadIdx.x; c < cols; c += BLOCK) {
        float v = in[c];
        float g = 0.5f * v * (1.f + erff(v * 0.70710678f));
        dst[c] = g;
        sum += g;
        sq += g * g;
    }
    s_sum[threadIdx.x] = sum;
    s_sq[threadIdx.x] = sq;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            s_sum[threadIdx.x] += s_sum[threadIdx.x + s];
            s_sq[threadIdx.x] += s_sq[threadIdx.x + s];
        }
        __syncthreads();
    }
    const float mean = s_sum[0] / cols;
    const float var = s_sq[0] / cols - mean * mean;
    const float rstd = rsqrtf(var + eps);
    for (int c = threadIdx.x; c < cols; c += BLOCK) {
        dst[c] = (dst[c] - mean) * rstd * gamma[c] + beta[c];
    }
}

torch::Tensor gelu_layernorm(torch::Tensor x, torch::Tensor gamma, torch::Tensor beta, double eps) {
    const at::cuda::OptionalCUDAGuard guard(device_of(x));
    auto out = torch::empty_like(x);
    const int rows = x.size(0), cols = x.size(1);
    gelu_layernorm_kernel<256><<<rows, 256>>>(x.data_ptr<float>(), gamma.data_ptr<float>(),
                                              beta.data_ptr<float>(), out.data_ptr<float>(), cols, (float)eps);
    return out;
}
"""

cpp_src = "torch::Tensor gelu_layernorm(torch::Tensor x, torch::Tensor gamma, torch::Tensor beta, double eps);"

gelu_ln = load_inline(name="gelu_ln", cpp_sources=cpp_src, cuda_sources=cuda_src,
                      functions=["gelu_layernorm"], extra_cuda_cflags=["-O3"])


class ModelNew(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(self.weight)
        nn.init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
        self.gamma = nn.Parameter(torch.ones(out_features))
        self.beta = nn.Parameter(torch.zeros(out_features))
        self.eps = 1e-5

    def forward(self, x):
        h = F.linear(x, self.weight, self.bias)
        return gelu_ln.gelu_layernorm(h.contiguous(), self.gamma, self.beta, self.eps)
