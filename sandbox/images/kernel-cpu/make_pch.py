"""Precompiles torch/extension.h for load_inline builds in this image (run at image build).

GCC uses `<header>.gch` found beside the header it includes; when that is a directory it
takes the first file in it that matches the compilation's settings. So each variant here is
one set of settings that changes what the header compiles to: plain, OpenMP (`_OPENMP`),
and OpenMP with -march=native (the image is built on the machine that runs it). The -O
level does not matter to GCC's check. The header is copied next to its .gch directory in
PCH_ROOT; the judge's worker puts PCH_ROOT first on the include path, so torch's own
installation is never written to (torch's use_pch would write there, and the image's root
is read-only). A build whose flags match no variant compiles the header as usual.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor

import torch.utils.cpp_extension as cpp

PCH_ROOT = "/opt/maxcode/pch"
VARIANTS = {"plain": [], "openmp": ["-fopenmp"], "native_openmp": ["-march=native", "-fopenmp"]}


def main() -> int:
    include = cpp.include_paths()[0]  # .../torch/include
    header = os.path.join(include, "torch", "extension.h")
    target = os.path.join(PCH_ROOT, "torch")
    gch_dir = os.path.join(target, "extension.h.gch")
    os.makedirs(gch_dir, exist_ok=True)
    shutil.copy(header, os.path.join(target, "extension.h"))
    # The flags load_inline compiles with (torch 2.x): see its build.ninja.
    base = ["c++", "-x", "c++-header", "-DTORCH_API_INCLUDE_EXTENSION_H",
            "-isystem", include, "-isystem", os.path.join(include, "torch", "csrc", "api", "include"),
            "-isystem", sysconfig.get_paths()["include"], "-fPIC", "-std=c++20", "-O2", "-w"]

    def build(item):
        name, flags = item
        start = time.time()
        subprocess.run(base + flags + [header, "-o", os.path.join(gch_dir, f"{name}.gch")], check=True)
        return f"{name}: {time.time() - start:.0f}s"

    with ThreadPoolExecutor(max_workers=2) as pool:
        for line in pool.map(build, VARIANTS.items()):
            print("pch", line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
