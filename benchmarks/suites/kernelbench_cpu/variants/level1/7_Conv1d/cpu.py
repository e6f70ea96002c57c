"""Conv1d (stride 1, same zero padding, bias) on CPU: direct convolution vectorized over time.

Each (batch, out-channel) row is computed by one thread: the output row (8 KB) is seeded
with the bias and stays in L1 while, for every input channel, the K taps are applied as
shifted FMAs over the interior positions (no bounds checks there, so the loop vectorizes);
only the `pad` positions at each edge take the bounds-checked path. This was written to
beat eager's generic path for small channel counts, but on an AVX-512 host eager's oneDNN
convolution is 2.5x faster (0.40x [0.38, 0.41] in `maxcode suite check`, Docker and local).
Expected: correct at 1e-4; slower than eager where oneDNN has AVX-512.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <algorithm>

torch::Tensor conv1d_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && weight.is_contiguous(), "expects contiguous float32");
    const int64_t B = x.size(0), C = x.size(1), L = x.size(2);
    const int64_t O = weight.size(0), K = weight.size(2), pad = K / 2;
    auto out = torch::empty({B, O, L}, x.options());
    const float* X = x.data_ptr<float>();
    const float* W = weight.data_ptr<float>();
    const float* Bs = bias.data_ptr<float>();
    float* Y = out.data_ptr<float>();
    const int64_t lo = std::min(pad, L), hi = std::max(lo, L - (K - 1 - pad));  // interior [lo, hi)
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
        for (int64_t o = 0; o < O; ++o) {
            float* y = Y + (b * O + o) * L;
            const float bo = Bs[o];
            #pragma omp simd
            for (int64_t t = 0; t < L; ++t) y[t] = bo;
            for (int64_t c = 0; c < C; ++c) {
                const float* xc = X + (b * C + c) * L;
                const float* w = W + (o * C + c) * K;
                for (int64_t k = 0; k < K; ++k) {
                    const float wk = w[k];
                    const float* xs = xc + (k - pad);  // y[t] += w[k] * x[t + k - pad]
                    #pragma omp simd
                    for (int64_t t = lo; t < hi; ++t) y[t] += wk * xs[t];
                    for (int64_t t = 0; t < lo; ++t) {
                        const int64_t s = t + k - pad;
                        if (s >= 0 && s < L) y[t] += wk * xc[s];
                    }
                    for (int64_t t = hi; t < L; ++t) {
                        const int64_t s = t + k - pad;
                        if (s >= 0 && s < L) y[t] += wk * xc[s];
                    }
                }
            }
        }
    }
    return out;
}
"""

conv_ext = load_inline(
    name="kbcpu_l1_7_conv1d_cpu",
    cpp_sources=cpp_source,
    functions=["conv1d_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        # Built like the reference so the seeded parameters are identical.
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv_ext.conv1d_forward(x.contiguous(), self.conv.weight, self.conv.bias)
