"""Conv2d + bias + tanh on CPU, SLOW but correct: a naive direct convolution in one kernel.

Seven nested scalar loops with bounds checks in the innermost one, 4-D accessors, -O1,
single-threaded, libm tanh per element. Expected: correct, much slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor conv_bias_tanh(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 4, "expects 4-D float32");
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t O = weight.size(0), KH = weight.size(2), KW = weight.size(3);
    const int64_t ph = KH / 2, pw = KW / 2;
    auto out = torch::empty({N, O, H, W}, x.options());
    auto X = x.accessor<float, 4>();
    auto Wt = weight.accessor<float, 4>();
    auto B = bias.accessor<float, 3>();
    auto Y = out.accessor<float, 4>();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t o = 0; o < O; ++o)
            for (int64_t h = 0; h < H; ++h)
                for (int64_t w = 0; w < W; ++w) {
                    float acc = 0.0f;
                    for (int64_t c = 0; c < C; ++c)
                        for (int64_t kh = 0; kh < KH; ++kh)
                            for (int64_t kw = 0; kw < KW; ++kw) {
                                const int64_t ih = h + kh - ph, iw = w + kw - pw;
                                if (ih >= 0 && ih < H && iw >= 0 && iw < W) acc += X[n][c][ih][iw] * Wt[o][c][kh][kw];
                            }
                    Y[n][o][h][w] = std::tanh(acc + B[o][0][0]);
                }
    return out;
}
"""

conv_ext = load_inline(
    name="kbcpu_l2_3_conv2d_bias_tanh_slow",
    cpp_sources=cpp_source,
    functions=["conv_bias_tanh"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv_bias_tanh(x.contiguous(), self.conv.weight, self.bias)
