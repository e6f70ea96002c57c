"""Matmul + bias on CPU: a cache-blocked GEMM written in C++ (no BLAS call).

The weight is transposed once per call so the inner loop is a contiguous AXPY over output
columns; rows are processed 4 at a time so each loaded weight row feeds 4 FMAs, and
columns are blocked by 256 so the weight panel stays in L2. Bias initializes the
accumulators (fused, no extra pass).

Expected: correct at 1e-4 (fp32 accumulation in a different order: errors ~1e-5) but NOT
faster than eager: eager calls MKL/oneDNN sgemm, whose register-tiled assembly micro-kernels
a portable C++ loop nest does not match. This problem measures how close a hand kernel gets;
the slow/wrong variants are the ones with a definite expected verdict.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <algorithm>

torch::Tensor matmul_bias_forward(torch::Tensor x, torch::Tensor weight, torch::Tensor bias) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous() && weight.is_contiguous(), "expects contiguous float32");
    const int64_t M = x.size(0), K = x.size(1), N = weight.size(0);
    auto wt = weight.t().contiguous();  // (K, N): rows of W^T are contiguous over output columns
    auto out = torch::empty({M, N}, x.options());
    const float* X = x.data_ptr<float>();
    const float* W = wt.data_ptr<float>();
    const float* B = bias.data_ptr<float>();
    float* O = out.data_ptr<float>();
    constexpr int64_t RB = 4, CB = 256;
    const int64_t row_blocks = (M + RB - 1) / RB, col_blocks = (N + CB - 1) / CB;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int64_t cb = 0; cb < col_blocks; ++cb) {
        for (int64_t rb = 0; rb < row_blocks; ++rb) {
            const int64_t j0 = cb * CB, j1 = std::min(N, j0 + CB);
            const int64_t i0 = rb * RB, i1 = std::min(M, i0 + RB);
            if (i1 - i0 == RB) {
                float* o0 = O + (i0 + 0) * N; float* o1 = O + (i0 + 1) * N;
                float* o2 = O + (i0 + 2) * N; float* o3 = O + (i0 + 3) * N;
                #pragma omp simd
                for (int64_t j = j0; j < j1; ++j) { o0[j] = B[j]; o1[j] = B[j]; o2[j] = B[j]; o3[j] = B[j]; }
                for (int64_t k = 0; k < K; ++k) {
                    const float a0 = X[(i0 + 0) * K + k], a1 = X[(i0 + 1) * K + k];
                    const float a2 = X[(i0 + 2) * K + k], a3 = X[(i0 + 3) * K + k];
                    const float* wk = W + k * N;
                    #pragma omp simd
                    for (int64_t j = j0; j < j1; ++j) {
                        const float w = wk[j];
                        o0[j] += a0 * w; o1[j] += a1 * w; o2[j] += a2 * w; o3[j] += a3 * w;
                    }
                }
            } else {
                for (int64_t i = i0; i < i1; ++i) {
                    float* oi = O + i * N;
                    for (int64_t j = j0; j < j1; ++j) oi[j] = B[j];
                    for (int64_t k = 0; k < K; ++k) {
                        const float a = X[i * K + k];
                        const float* wk = W + k * N;
                        #pragma omp simd
                        for (int64_t j = j0; j < j1; ++j) oi[j] += a * wk[j];
                    }
                }
            }
        }
    }
    return out;
}
"""

mm_ext = load_inline(
    name="kbcpu_l1_5_matmul_bias_cpu",
    cpp_sources=cpp_source,
    functions=["matmul_bias_forward"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / in_features**0.5)
        self.bias = nn.Parameter(torch.randn(out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mm_ext.matmul_bias_forward(x.contiguous(), self.weight, self.bias)
