"""Conv1d on CPU, WRONG: a true (flipped-kernel) convolution instead of cross-correlation.

Textbook convolution reverses the taps, y[t] = sum_k w[k] x[t - k + pad]; PyTorch's Conv1d
does not. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

torch::Tensor conv1d_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && weight.is_contiguous(), "expects contiguous float32");
    const int64_t B = x.size(0), C = x.size(1), L = x.size(2);
    const int64_t O = weight.size(0), K = weight.size(2), pad = K / 2;
    auto out = torch::empty({B, O, L}, x.options());
    const float* X = x.data_ptr<float>();
    const float* W = weight.data_ptr<float>();
    const float* Bs = bias.data_ptr<float>();
    float* Y = out.data_ptr<float>();
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
        for (int64_t o = 0; o < O; ++o) {
            for (int64_t t = 0; t < L; ++t) {
                float acc = Bs[o];
                for (int64_t c = 0; c < C; ++c) {
                    for (int64_t k = 0; k < K; ++k) {
                        const int64_t s = t - k + pad;
                        if (s >= 0 && s < L) acc += W[(o * C + c) * K + k] * X[(b * C + c) * L + s];
                    }
                }
                Y[(b * O + o) * L + t] = acc;
            }
        }
    }
    return out;
}
"""

conv_ext = load_inline(
    name="kbcpu_l1_7_conv1d_wrong",
    cpp_sources=cpp_source,
    functions=["conv1d_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv1d_forward(x.contiguous(), self.conv.weight, self.conv.bias)
