"""Conv2d + bias + tanh on CPU, WRONG: the bias channel is taken as `index % C`, a
channels-last (NHWC) assumption applied to an NCHW tensor, so almost every element gets
another channel's bias. Expected: incorrect (wrong_answer).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.cpp_extension import load_inline

cpp_source = r"""
#include <torch/extension.h>
#include <cmath>

torch::Tensor bias_tanh_(torch::Tensor y, torch::Tensor bias) {
    TORCH_CHECK(y.scalar_type() == torch::kFloat32 && y.is_contiguous() && y.dim() == 4, "expects contiguous 4-D float32");
    const int64_t C = y.size(1), total = y.numel();
    float* Y = y.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    #pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < total; ++i) Y[i] = std::tanh(Y[i] + b[i % C]);
    return y;
}
"""

epilogue_ext = load_inline(
    name="kbcpu_l2_3_conv2d_bias_tanh_wrong",
    cpp_sources=cpp_source,
    functions=["bias_tanh_"],
    extra_cflags=["-O3", "-march=native", "-fopenmp"],
    extra_ldflags=["-fopenmp"],
)


class ModelNew(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.conv.weight, None, padding=self.conv.padding).contiguous()
        return epilogue_ext.bias_tanh_(y, self.bias)
