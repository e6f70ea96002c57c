"""Rewrites of kernel candidates whose `load_inline` sources are CUDA: the block size,
`__launch_bounds__`, `--use_fast_math`, `-O3` and `__restrict__` kernel parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from maxcode.proposers.rewrites.base import COMPUTE_BOUND, MEMORY_BOUND, SPREAD, Rewrite, mask
from maxcode.proposers.rewrites.kernel_cpu import RESTRICTABLE, edit_code, has_flags, set_flags

BLOCK = re.compile(
    r"(?P<head>\b(?:(?:static\s+)?(?:const|constexpr)\s+)?(?:unsigned\s+)?int\s+"
    r"|#\s*define\s+)(?P<name>threads|block_size|BLOCK_SIZE|threads_per_block|THREADS_PER_BLOCK|"
    r"block_dim|num_threads|NUM_THREADS|THREADS|kThreads|kBlockSize|BLOCK|TPB)(?P<eq>\s*=\s*|\s+)(?P<value>\d+)\b")


def block_size_of(code: str) -> int | None:
    """The block size when the source names exactly one constant for it."""
    values = {int(f.group("value")) for f in BLOCK.finditer(mask(code))}
    return values.pop() if len(values) == 1 else None


def _block(factor: float) -> Callable[[str], str | None]:
    def scale(code: str) -> str | None:
        old = block_size_of(code)
        if old is None or not 32 <= old * factor <= 1024:
            return None
        new = int(old * factor)
        m = mask(code)
        out, last = [], 0
        for f in BLOCK.finditer(m):
            out.append(code[last:f.start("value")] + str(new))
            last = f.end("value")
        code = "".join(out) + code[last:]
        return re.sub(rf"__launch_bounds__\(\s*{old}\s*([,)])", rf"__launch_bounds__({new}\1", code)
    return scale


def cuda_block_double(src: str) -> str | None:
    """The kernels' block size (`const int threads = 256`) doubled (at most 1024)."""
    return edit_code(src, "cuda", _block(2))


def cuda_block_half(src: str) -> str | None:
    """The kernels' block size halved (at least 32)."""
    return edit_code(src, "cuda", _block(0.5))


def _bounds(code: str) -> str | None:
    block = block_size_of(code)
    m = mask(code)
    if block is None or "__launch_bounds__" in m:
        return None
    spots = list(re.finditer(r"__global__\s+void\s+", m))
    if not spots:
        return None
    out, last = [], 0
    for f in spots:
        out.append(code[last:f.end()] + f"__launch_bounds__({block}) ")
        last = f.end()
    return "".join(out) + code[last:]


def launch_bounds(src: str) -> str | None:
    """`__launch_bounds__(B)` on every `__global__` kernel, B the source's block size (the
    compiler may then use more registers per thread)."""
    return edit_code(src, "cuda", _bounds)


def _needs_cuda(src: str) -> bool:
    return edit_code(src, "cuda", lambda code: code + " ") is not None


def cuda_fast_math(src: str) -> str | None:
    """`--use_fast_math` for nvcc (approximate transcendentals; the judge checks tolerance)."""
    if not _needs_cuda(src) or has_flags(src, "extra_cuda_cflags", ["--use_fast_math"]):
        return None
    return set_flags(src, "extra_cuda_cflags", ["--use_fast_math"])


def cuda_o3(src: str) -> str | None:
    """`-O3` for nvcc's host and device passes."""
    if not _needs_cuda(src) or has_flags(src, "extra_cuda_cflags", ["-O3"]):
        return None
    return set_flags(src, "extra_cuda_cflags", ["-O3"], drop=r"-O[0-2]")


def _restrict_params(code: str) -> str | None:
    m = mask(code)
    spots = []
    for kernel in re.finditer(r"__global__\s+[^(]*\(", m):
        close = m.find(")", kernel.end())
        spots += [f for f in RESTRICTABLE.finditer(m, kernel.end(), close + 1)]
    if not spots:
        return None
    out, last = [], 0
    for f in spots:
        out.append(code[last:f.start()] + f"{f.group(1)}* __restrict__ {f.group(2)}")
        last = f.start() + len(f.group(0).rstrip())
    return "".join(out) + code[last:]


def cuda_restrict(src: str) -> str | None:
    """`__restrict__` on the pointer parameters of `__global__` kernels."""
    return edit_code(src, "cuda", _restrict_params)


REWRITES = [
    Rewrite("cuda_block_double", "python", (COMPUTE_BOUND, MEMORY_BOUND), cuda_block_double,
            "CUDA block size doubled", family="cuda_block_size"),
    Rewrite("cuda_block_half", "python", (COMPUTE_BOUND, MEMORY_BOUND), cuda_block_half,
            "CUDA block size halved", family="cuda_block_size"),
    Rewrite("launch_bounds", "python", (COMPUTE_BOUND,), launch_bounds, "`__launch_bounds__` on the kernels"),
    Rewrite("cuda_fast_math", "python", (COMPUTE_BOUND, SPREAD), cuda_fast_math, "nvcc `--use_fast_math`"),
    Rewrite("cuda_o3", "python", (COMPUTE_BOUND, SPREAD), cuda_o3, "nvcc `-O3`"),
    Rewrite("cuda_restrict", "python", (MEMORY_BOUND,), cuda_restrict, "`__restrict__` kernel parameters"),
]
