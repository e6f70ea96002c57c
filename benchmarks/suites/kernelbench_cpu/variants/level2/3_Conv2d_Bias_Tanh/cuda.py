"""Conv2d (3x3, same padding) + bias + tanh on CUDA: one custom kernel for the whole chain.

Each block computes a 16x16 output tile of one (batch, out-channel) plane; for every input
channel the block stages the 18x18 input window (zero-filled outside the image) and the 9
weights in shared memory, then each thread accumulates its pixel. The bias and tanh are
applied before the single store: no intermediate tensor, one launch.
Expected on a GPU: correct; competitive with eager (cuDNN conv + two elementwise kernels).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int TILE = 16;

// grid: (ceil(W / 16), ceil(H / 16), N * O); block: (16, 16)
__global__ void conv3x3_bias_tanh_kernel(const float* __restrict__ x, const float* __restrict__ w,
                                         const float* __restrict__ b, float* __restrict__ y,
                                         int C, int H, int W, int O) {
    __shared__ float tile[TILE + 2][TILE + 2];
    __shared__ float k[9];
    const int n = blockIdx.z / O, o = blockIdx.z % O;
    const int ox = blockIdx.x * TILE + threadIdx.x, oy = blockIdx.y * TILE + threadIdx.y;
    const int tid = threadIdx.y * TILE + threadIdx.x;
    float acc = 0.0f;
    for (int c = 0; c < C; ++c) {
        const float* xc = x + ((int64_t)n * C + c) * H * W;
        for (int i = tid; i < (TILE + 2) * (TILE + 2); i += TILE * TILE) {
            const int ty = i / (TILE + 2), tx = i % (TILE + 2);
            const int iy = blockIdx.y * TILE + ty - 1, ix = blockIdx.x * TILE + tx - 1;
            tile[ty][tx] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? xc[(int64_t)iy * W + ix] : 0.0f;
        }
        if (tid < 9) k[tid] = w[((int64_t)o * C + c) * 9 + tid];
        __syncthreads();
        #pragma unroll
        for (int kh = 0; kh < 3; ++kh)
            #pragma unroll
            for (int kw = 0; kw < 3; ++kw) acc += k[kh * 3 + kw] * tile[threadIdx.y + kh][threadIdx.x + kw];
        __syncthreads();
    }
    if (ox < W && oy < H) y[(((int64_t)n * O + o) * H + oy) * W + ox] = tanhf(acc + b[o]);
}

torch::Tensor conv3x3_bias_tanh(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 4, "expects contiguous NCHW CUDA float32");
    TORCH_CHECK(weight.size(2) == 3 && weight.size(3) == 3 && weight.is_contiguous(), "expects a contiguous 3x3 kernel");
    const int N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0);
    auto out = torch::empty({N, O, H, W}, x.options());
    dim3 block(TILE, TILE);
    dim3 grid((W + TILE - 1) / TILE, (H + TILE - 1) / TILE, N * O);
    conv3x3_bias_tanh_kernel<<<grid, block>>>(x.data_ptr<float>(), weight.data_ptr<float>(), bias.data_ptr<float>(),
                                              out.data_ptr<float>(), C, H, W, O);
    return out;
}
"""

cpp_source = "torch::Tensor conv3x3_bias_tanh(torch::Tensor x, torch::Tensor weight, torch::Tensor bias);"

conv_ext = load_inline(
    name="kbcpu_l2_3_conv2d_bias_tanh_cuda_v2",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["conv3x3_bias_tanh"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv3x3_bias_tanh(x.contiguous(), self.conv.weight, self.bias)
