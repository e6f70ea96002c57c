"""Conv1d on CPU, SLOW but correct: one scalar dot product per output element, bounds check
in the innermost loop, 3-D accessors, -O1, single-threaded.

Expected: correct, slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor conv1d_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 3, "expects 3-D float32");
    const int64_t B = x.size(0), C = x.size(1), L = x.size(2);
    const int64_t O = weight.size(0), K = weight.size(2), pad = K / 2;
    auto out = torch::empty({B, O, L}, x.options());
    auto X = x.accessor<float, 3>();
    auto W = weight.accessor<float, 3>();
    auto Bs = bias.accessor<float, 1>();
    auto Y = out.accessor<float, 3>();
    for (int64_t b = 0; b < B; ++b)
        for (int64_t o = 0; o < O; ++o)
            for (int64_t t = 0; t < L; ++t) {
                float acc = Bs[o];
                for (int64_t c = 0; c < C; ++c)
                    for (int64_t k = 0; k < K; ++k) {
                        const int64_t s = t + k - pad;
                        if (s >= 0 && s < L) acc += W[o][c][k] * X[b][c][s];
                    }
                Y[b][o][t] = acc;
            }
    return out;
}
"""

conv_ext = load_inline(
    name="kbcpu_l1_7_conv1d_slow",
    cpp_sources=cpp_source,
    functions=["conv1d_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv1d_forward(x.contiguous(), self.conv.weight, self.conv.bias)
