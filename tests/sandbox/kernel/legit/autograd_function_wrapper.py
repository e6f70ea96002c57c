"""Legitimate: the kernel wrapped in a torch.autograd.Function (forward and backward), its
function stored on the module in __init__; backward uses ordinary torch ops.
Problem: tests/sandbox/kernel/fixtures/relu_problem.py
"""

import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

relu_src = r"""
#include <torch/extension.h>
torch::Tensor relu_fwd(torch::Tensor x) {
    auto out = torch::empty_like(x);
    auto src = x.contiguous();
    const float* a = src.data_ptr<float>();
    float* o = out.data_ptr<float>();
    const int64_t n = src.numel();
    #pragma omp parallel for
    for (int64_t i = 0; i < n; ++i) o[i] = a[i] > 0.f ? a[i] : 0.f;
    return out;
}
"""

relu_module = load_inline(name="relu_autograd", cpp_sources=[relu_src], functions=["relu_fwd"],
                          extra_cflags=["-O2", "-fopenmp"], extra_ldflags=["-fopenmp"])


class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return relu_module.relu_fwd(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu_fn = ReLUFunction.apply

    def forward(self, x):
        if not x.is_contiguous():
            x = x.contiguous()
        return ReLUFunction.apply(x)
