"""Residual block on CUDA: both 3x3 convolutions as custom kernels with fused epilogues
(conv1 + bias + ReLU; conv2 + bias + residual add + ReLU).

Each block computes a 16x16 output tile of one (batch, out-channel) plane, staging the
18x18 input window of each input channel and its 9 weights in shared memory; the epilogue
runs before the single store. Expected on a GPU: correct; competitive with eager (cuDNN
convolutions plus three elementwise kernels).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int TILE = 16;

// grid: (ceil(W / 16), ceil(H / 16), N * O); block: (16, 16); res may be null.
__global__ void conv3x3_bias_relu_kernel(const float* __restrict__ x, const float* __restrict__ w,
                                         const float* __restrict__ b, const float* __restrict__ res,
                                         float* __restrict__ y, int C, int H, int W, int O) {
    __shared__ float tile[TILE + 2][TILE + 2];
    __shared__ float k[9];
    const int n = blockIdx.z / O, o = blockIdx.z % O;
    const int ox = blockIdx.x * TILE + threadIdx.x, oy = blockIdx.y * TILE + threadIdx.y;
    const int tid = threadIdx.y * TILE + threadIdx.x;
    float acc = b[o];
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
    if (ox < W && oy < H) {
        const int64_t idx = (((int64_t)n * O + o) * H + oy) * W + ox;
        if (res != nullptr) acc += res[idx];
        y[idx] = fmaxf(acc, 0.0f);
    }
}

torch::Tensor conv3x3_bias_relu(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, c10::optional<torch::Tensor> residual) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && x.dim() == 4, "expects contiguous NCHW CUDA float32");
    TORCH_CHECK(weight.size(2) == 3 && weight.size(3) == 3 && weight.is_contiguous(), "expects a contiguous 3x3 kernel");
    const int N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0);
    auto out = torch::empty({N, O, H, W}, x.options());
    const float* res = nullptr;
    if (residual.has_value()) {
        TORCH_CHECK(residual->is_contiguous() && residual->sizes() == out.sizes(), "residual must match the output");
        res = residual->data_ptr<float>();
    }
    dim3 block(TILE, TILE);
    dim3 grid((W + TILE - 1) / TILE, (H + TILE - 1) / TILE, N * O);
    conv3x3_bias_relu_kernel<<<grid, block>>>(x.data_ptr<float>(), weight.data_ptr<float>(), bias.data_ptr<float>(),
                                              res, out.data_ptr<float>(), C, H, W, O);
    return out;
}
"""

cpp_source = "torch::Tensor conv3x3_bias_relu(torch::Tensor x, torch::Tensor weight, torch::Tensor bias, c10::optional<torch::Tensor> residual);"

block_ext = load_inline(
    name="kbcpu_l3_3_residualblock_cuda_v2",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["conv3x3_bias_relu"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous()
        h = block_ext.conv3x3_bias_relu(x, self.conv1.weight, self.conv1.bias, None)
        return block_ext.conv3x3_bias_relu(h, self.conv2.weight, self.conv2.bias, x)
