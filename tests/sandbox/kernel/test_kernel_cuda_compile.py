"""CUDA sources of a shipped CUDA candidate compile with the real nvcc (no GPU needed)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sysconfig

import pytest
from tests_kernel_paths import FIXTURES

nvcc = shutil.which("nvcc")
pytestmark = pytest.mark.skipif(nvcc is None, reason="nvcc not installed")


def cuda_sources(path) -> str:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "cuda_source":
            return node.value.value
    raise AssertionError(f"{path} has no cuda_source")


def device_code(source: str) -> str:
    """The kernels alone: torch's headers take minutes through nvcc on 2 cores."""
    lines = [ln for ln in source.splitlines() if "torch/extension.h" not in ln]
    cut = next(i for i, ln in enumerate(lines) if ln.startswith("torch::Tensor"))
    return "#include <cstdint>\n" + "\n".join(lines[:cut])


def test_device_kernels_compile_to_ptx(tmp_path):
    src = tmp_path / "kernels.cu"
    src.write_text(device_code(cuda_sources(FIXTURES / "relu_cuda.py")))
    done = subprocess.run([nvcc, "--ptx", "-O3", str(src), "-o", str(tmp_path / "k.ptx")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert ".entry" in (tmp_path / "k.ptx").read_text() and "relu_kernel" in (tmp_path / "k.ptx").read_text()


def test_broken_cuda_source_fails_to_compile(tmp_path):
    src = tmp_path / "bad.cu"
    src.write_text("__global__ void k(float* x) { x[threadIdx.x] = undeclared_thing; }\n")
    done = subprocess.run([nvcc, "--ptx", str(src), "-o", str(tmp_path / "b.ptx")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "undeclared_thing" in done.stderr


@pytest.mark.slow
def test_full_cuda_source_with_torch_headers_compiles(tmp_path):
    import torch.utils.cpp_extension as cpp

    src = tmp_path / "ext.cu"
    src.write_text(cuda_sources(FIXTURES / "relu_cuda.py"))
    includes = [f"-I{p}" for p in cpp.include_paths()] + [f"-I{sysconfig.get_paths()['include']}"]
    done = subprocess.run(
        [nvcc, "-c", "-std=c++17", *includes, "-DTORCH_EXTENSION_NAME=ext", str(src), "-o", str(tmp_path / "ext.o")],
        capture_output=True, text=True, timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
