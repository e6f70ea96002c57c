"""Two-layer MLP on CPU: library GEMMs, with the hidden layer's bias + ReLU fused into one
in-place kernel on the first product.

Eager runs addmm (copying the bias into the 8 MB hidden tensor first), then ReLU into a
second 8 MB tensor. Here `torch.mm` writes the bare product and one OpenMP pass adds the
bias and clamps in place, so the hidden activation is materialized once; the output layer
is `torch.addmm` (the GEMMs are not what this task replaces).
Expected: correct at 1e-4; at most modestly faster than eager (the GEMMs are unchanged;
measured 1.10x [1.010, 1.201] on one thread a side: labelled marginal).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>

// h = max(h + bias, 0), in place on a contiguous (rows, cols) tensor.
torch::Tensor bias_relu_(torch::Tensor h, torch::Tensor bias) {
    TORCH_CHECK(h.scalar_type() == torch::kFloat32 && h.is_contiguous() && h.dim() == 2, "expects contiguous 2-D float32");
    const int64_t rows = h.size(0), cols = h.size(1);
    float* H = h.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        float* hr = H + r * cols;
        #pragma omp simd
        for (int64_t c = 0; c < cols; ++c) {
            const float v = hr[c] + b[c];
            hr[c] = v > 0.0f ? v : 0.0f;
        }
    }
    return h;
}
"""

mlp_ext = load_inline(
    name="kbcpu_l3_1_mlp_2layer_cpu",
    cpp_sources=cpp_source,
    functions=["bias_relu_"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, hidden_features: int, out_features: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = mlp_ext.bias_relu_(torch.mm(x.contiguous(), self.fc1.weight.t()), self.fc1.bias)
        return torch.addmm(self.fc2.bias, h, self.fc2.weight.t())
