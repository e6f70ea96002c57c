"""Two-layer MLP on CPU, SLOW but correct: both layers as naive scalar i-j-k loops through
accessors in one kernel (-O1, single-threaded), the hidden row recomputed into a small
buffer per sample. Expected: correct, much slower than eager.
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <vector>

torch::Tensor mlp_forward(torch::Tensor x, torch::Tensor w1, torch::Tensor b1, torch::Tensor w2, torch::Tensor b2) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.dim() == 2, "expects 2-D float32");
    const int64_t M = x.size(0), K = x.size(1), H = w1.size(0), N = w2.size(0);
    auto out = torch::empty({M, N}, x.options());
    auto X = x.accessor<float, 2>();
    auto W1 = w1.accessor<float, 2>();
    auto B1 = b1.accessor<float, 1>();
    auto W2 = w2.accessor<float, 2>();
    auto B2 = b2.accessor<float, 1>();
    auto O = out.accessor<float, 2>();
    std::vector<float> hidden(H);
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < H; ++j) {
            float acc = B1[j];
            for (int64_t k = 0; k < K; ++k) acc += X[i][k] * W1[j][k];
            hidden[j] = acc > 0.0f ? acc : 0.0f;
        }
        for (int64_t j = 0; j < N; ++j) {
            float acc = B2[j];
            for (int64_t k = 0; k < H; ++k) acc += hidden[k] * W2[j][k];
            O[i][j] = acc;
        }
    }
    return out;
}
"""

mlp_ext = load_inline(
    name="kbcpu_l3_1_mlp_2layer_slow",
    cpp_sources=cpp_source,
    functions=["mlp_forward"],
    extra_cflags=["-O1"],
)


class ModelNew(nn.Module):
    def __init__(self, in_features: int, hidden_features: int, out_features: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return mlp_ext.mlp_forward(x.contiguous(), self.fc1.weight, self.fc1.bias, self.fc2.weight, self.fc2.bias)
