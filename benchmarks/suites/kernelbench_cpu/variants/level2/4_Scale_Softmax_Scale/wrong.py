"""Scale + softmax + gain on CPU, WRONG: multiplies by the temperature instead of dividing.

softmax(x * T) instead of softmax(x / T): with T = 0.5 the distribution is flattened
instead of sharpened. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor scaled_softmax(torch::Tensor x, double temperature, double gain) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat32 && x.is_contiguous(), "expects contiguous float32");
    const int64_t cols = x.size(-1), rows = x.numel() / cols;
    auto out = torch::empty_like(x);
    const float* X = x.data_ptr<float>();
    float* O = out.data_ptr<float>();
    const float t = (float)temperature;
    #pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = X + r * cols;
        float* o = O + r * cols;
        float m = -INFINITY;
        for (int64_t c = 0; c < cols; ++c) m = std::max(m, xr[c]);
        float s = 0.0f;
        for (int64_t c = 0; c < cols; ++c) { o[c] = std::exp((xr[c] - m) * t); s += o[c]; }
        for (int64_t c = 0; c < cols; ++c) o[c] *= (float)gain / s;
    }
    return out;
}
"""

softmax_ext = load_inline(
    name="kbcpu_l2_4_scale_softmax_scale_wrong",
    cpp_sources=cpp_source,
    functions=["scaled_softmax"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, temperature: float, gain: float):
        super().__init__()
        self.temperature = temperature
        self.gain = gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_ext.scaled_softmax(x.contiguous(), self.temperature, self.gain)
