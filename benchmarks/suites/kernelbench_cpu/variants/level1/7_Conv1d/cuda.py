"""Conv1d on CUDA: one thread per output element; the block's input window for each input
channel is staged in shared memory so the K taps read it from there.

Expected on a GPU: correct; competitive with eager (cuDNN) for these small channel counts.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

constexpr int THREADS = 256;
constexpr int MAX_K = 31;

// grid: (ceil(L / THREADS), O, B); dynamic shared memory: THREADS + K - 1 floats.
__global__ void conv1d_kernel(const float* __restrict__ x, const float* __restrict__ w,
                              const float* __restrict__ bias, float* __restrict__ y,
                              int C, int L, int O, int K) {
    extern __shared__ float window[];
    const int b = blockIdx.z, o = blockIdx.y;
    const int t0 = blockIdx.x * THREADS;
    const int t = t0 + threadIdx.x;
    const int pad = K / 2;
    float acc = bias[o];
    for (int c = 0; c < C; ++c) {
        const float* xc = x + ((int64_t)b * C + c) * L;
        for (int i = threadIdx.x; i < THREADS + K - 1; i += THREADS) {
            const int s = t0 + i - pad;
            window[i] = (s >= 0 && s < L) ? xc[s] : 0.0f;
        }
        __syncthreads();
        const float* wc = w + ((int64_t)o * C + c) * K;
        for (int k = 0; k < K; ++k) acc += wc[k] * window[threadIdx.x + k];
        __syncthreads();
    }
    if (t < L) y[((int64_t)b * O + o) * L + t] = acc;
}

torch::Tensor conv1d_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat32 && x.is_contiguous() && weight.is_contiguous(), "expects contiguous CUDA float32");
    const int B = x.size(0), C = x.size(1), L = x.size(2), O = weight.size(0), K = weight.size(2);
    TORCH_CHECK(K <= MAX_K, "kernel size too large");
    auto out = torch::empty({B, O, L}, x.options());
    dim3 grid((L + THREADS - 1) / THREADS, O, B);
    size_t smem = (THREADS + K - 1) * sizeof(float);
    conv1d_kernel<<<grid, THREADS, smem>>>(x.data_ptr<float>(), weight.data_ptr<float>(), bias.data_ptr<float>(),
                                           out.data_ptr<float>(), C, L, O, K);
    return out;
}
"""

cpp_source = "torch::Tensor conv1d_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias);"

conv_ext = load_inline(
    name="kbcpu_l1_7_conv1d_cuda",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["conv1d_forward"],
    extra_cuda_cflags=["-O3"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv1d_forward(x.contiguous(), self.conv.weight, self.conv.bias)
