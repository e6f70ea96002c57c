"""Type-checking many kernel programs' C++ at once: each program's C++ code strings in a
namespace of their own, in one translation unit, so torch's headers are parsed once (about
15 s here) instead of once a program."""

from __future__ import annotations

import re
import subprocess
import sysconfig
from pathlib import Path

from maxcode.proposers.rewrites.kernel_cpu import CODE_STRING, is_cuda

INCLUDE = re.compile(r"^\s*#\s*include[^\n]*$", re.M)


def cpp_units(sources: dict[str, str]) -> tuple[list[str], list[str]]:
    """The C++ (not CUDA) code strings of each named program: (the #include lines, the
    namespaced bodies)."""
    includes, bodies = set(), []
    for i, (name, program) in enumerate(sorted(sources.items())):
        for found in CODE_STRING.finditer(program):
            code = found.group("code")
            if is_cuda(code) or "torch::Tensor" not in code or "{" not in code:
                continue
            includes |= {line.strip() for line in INCLUDE.findall(code)}
            label = re.sub(r"\W", "_", name)
            bodies.append(f"namespace u{i}_{label} {{\n{INCLUDE.sub('', code)}\n}}\n")
    return sorted(includes), bodies


def type_check(includes: list[str], bodies: list[str], folder: Path) -> subprocess.CompletedProcess:
    """g++ -fsyntax-only (C++17, OpenMP) of the units against the installed torch's headers."""
    from torch.utils.cpp_extension import include_paths

    unit = folder / "kernels.cpp"
    unit.write_text("\n".join(includes) + "\n" + "".join(bodies))
    flags = [f"-I{p}" for p in include_paths()] + [f"-I{sysconfig.get_paths()['include']}"]
    return subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-fopenmp", *flags, str(unit)],
                          capture_output=True, text=True, timeout=900)
