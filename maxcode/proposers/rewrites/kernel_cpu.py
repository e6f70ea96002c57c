"""Rewrites of kernel candidates (`ModelNew` + `load_inline`) whose kernels are C++ for the
CPU: OpenMP threads over the outer loop, `omp simd` on inner loops, `__restrict__`
pointers, optimisation and fast-math flags, loop order, unrolling and tile sizes.

The kernel sources are the triple-quoted strings assigned to a name (`cpp_source = r\"\"\"...\"\"\"`);
compiler flags are the `extra_cflags` / `extra_ldflags` / `extra_cuda_cflags` lists of the
`load_inline(...)` calls. The reference program (no `load_inline`) has nothing to rewrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from maxcode.proposers.rewrites.base import (
    COMPUTE_BOUND,
    HOT_LOOP,
    MEMORY_BOUND,
    SPREAD,
    ForLoop,
    Rewrite,
    for_loops,
    indent_at,
    innermost,
    mask,
    outermost,
)
from maxcode.proposers.rewrites.cpp_loops import loop_interchange

CODE_STRING = re.compile(r"^(?P<name>\w+)\s*=\s*(?P<prefix>[rR]?)(?P<quote>\"\"\"|''')(?P<code>.*?)(?P=quote)",
                         re.M | re.S)


def is_cuda(code: str) -> bool:
    return "__global__" in code or "<<<" in code


def edit_code(src: str, kind: str, fn: Callable[[str], str | None]) -> str | None:
    """Apply `fn` to every kernel source string of `kind` (`cpp` or `cuda`); None if none changed."""
    if "load_inline" not in src:
        return None
    out, last, changed = [], 0, False
    for found in CODE_STRING.finditer(src):
        code = found.group("code")
        if ("cuda" if is_cuda(code) else "cpp") != kind or not re.search(r"\bfor\s*\(|__global__", code):
            continue
        new = fn(code)
        if new is None or new == code:
            continue
        out.append(src[last:found.start("code")] + new)
        last, changed = found.end("code"), True
    return "".join(out) + src[last:] if changed else None


def load_inline_calls(src: str) -> list[tuple[int, int]]:
    """(start, end) of the argument text of each `load_inline(...)` call."""
    calls = []
    for found in re.finditer(r"\bload_inline\s*\(", src):
        depth = 0
        for j in range(found.end() - 1, len(src)):
            depth += src[j] == "("
            depth -= src[j] == ")"
            if depth == 0:
                calls.append((found.end(), j))
                break
    return calls


def set_flags(src: str, kwarg: str, add: list[str], drop: str | None = None) -> str:
    """Every `load_inline` call's `kwarg` list with the `add` flags appended (when missing)
    and the flags matching the `drop` regex removed; the list is created if absent."""
    for start, end in reversed(load_inline_calls(src)):
        args = src[start:end]
        found = re.search(rf"\b{kwarg}\s*=\s*\[(?P<items>[^\]]*)\]", args)
        items = re.findall(r"[\"']([^\"']*)[\"']", found.group("items")) if found else []
        kept = [f for f in items if not (drop and re.fullmatch(drop, f))]
        flags = kept + [f for f in add if f not in kept]
        text = f"{kwarg}=[{', '.join(repr(f).replace(chr(39), chr(34)) for f in flags)}]"
        if found:
            args = args[:found.start()] + text + args[found.end():]
        else:
            pad = re.search(r"\n([ \t]+)\w+\s*=", args)
            indent = pad.group(1) if pad else " "
            args = args.rstrip()
            comma = "" if args.endswith(",") or not args else ","
            args = f"{args}{comma}\n{indent}{text},\n" if pad else f"{args}{comma} {text}"
        src = src[:start] + args + src[end:]
    return src


def has_flags(src: str, kwarg: str, flags: list[str]) -> bool:
    calls = load_inline_calls(src)
    for start, end in calls:
        found = re.search(rf"\b{kwarg}\s*=\s*\[(?P<items>[^\]]*)\]", src[start:end])
        items = re.findall(r"[\"']([^\"']*)[\"']", found.group("items")) if found else []
        if not all(f in items for f in flags):
            return False
    return bool(calls)


def _pragma_before(m: str, loop: ForLoop) -> str:
    """The `#pragma` line right above `loop`, or ""."""
    line_start = m.rfind("\n", 0, loop.start) + 1
    if m[line_start:loop.start].strip():
        return ""
    prev_end = line_start - 1
    prev_start = m.rfind("\n", 0, prev_end) + 1
    line = m[prev_start:prev_end].strip() if prev_end > 0 else ""
    return line if line.startswith("#pragma") else ""


def _collapsed(m: str, loops: list[ForLoop], loop: ForLoop) -> bool:
    """Whether `loop` is one of the nested loops an enclosing `collapse(k)` pragma fuses: no
    line may go between those (a pragma there breaks the build: "not enough for loops to
    collapse")."""
    depth, inner = 0, loop
    while True:
        parent = next((o for o in loops if o is not inner and o.body_start <= inner.start < o.end
                       and not m[o.body_start:inner.start].strip(" \t\n{")), None)
        if parent is None:
            return False
        depth += 1
        found = re.search(r"\bcollapse\s*\(\s*(\d+)\s*\)", _pragma_before(m, parent))
        if found and int(found.group(1)) > depth:
            return True
        inner = parent


TYPES = r"(?:int|int64_t|int32_t|long|size_t|unsigned|float|double|bool|char|auto|scalar_t|float4|half)"


def _scalars_written(body: str) -> set[str]:
    """Identifiers assigned in `body` that are not declared in it."""
    written = set(re.findall(r"(?<![\w.\]>])(\w+)\s*(?:[-+*/%&|^]?=(?!=)|\+\+|--)", body))
    written |= set(re.findall(r"(?:\+\+|--)\s*(\w+)\b(?!\s*[\[.])", body))
    return {w for w in written
            if not re.search(rf"\b{TYPES}\b[^;]*?\b{w}\s*[=;\[(,]", body) and not w.isupper()}


def _canonical(loop: ForLoop) -> bool:
    return loop.var is not None and re.match(rf"\s*{loop.var}\s*<", loop.cond) is not None


def _insert_pragmas(code: str, picks: list[tuple[ForLoop, str, bool]]) -> str | None:
    """Each (loop, pragma, replace) puts `pragma` on its own line above the loop, or in
    place of the pragma line already there when `replace`."""
    if not picks:
        return None
    for loop, pragma, replace in sorted(picks, key=lambda p: -p[0].start):
        pad = indent_at(code, loop.start)
        line_start = code.rfind("\n", 0, loop.start) + 1
        if replace:
            prev_start = code.rfind("\n", 0, line_start - 1) + 1
            code = code[:prev_start] + f"{indent_at(code, prev_start)}{pragma}" + code[line_start - 1:]
        elif code[line_start:loop.start].strip():
            code = code[:loop.start] + f"\n{pad}{pragma}\n{pad}" + code[loop.start:]
        else:
            code = code[:line_start] + f"{pad}{pragma}\n" + code[line_start:]
    return code


OMP_FOR = "#pragma omp parallel for schedule(static)"


def _omp_outer(code: str, pragma: str = OMP_FOR) -> str | None:
    m = mask(code)
    loops = list(for_loops(m))
    picks = []
    for loop in outermost(loops):
        if _pragma_before(m, loop) or not _canonical(loop):
            continue
        if _scalars_written(m[loop.body_start:loop.end]) - {loop.var}:
            continue
        picks.append((loop, pragma, False))
    return _insert_pragmas(code, picks)


def _with_openmp(new: str | None) -> str | None:
    if new is None:
        return None
    new = set_flags(new, "extra_cflags", ["-fopenmp"])
    return set_flags(new, "extra_ldflags", ["-fopenmp"])


def omp_parallel_outer(src: str) -> str | None:
    """`#pragma omp parallel for` on outer loops whose iterations write no shared scalar
    (plus `-fopenmp`)."""
    return _with_openmp(edit_code(src, "cpp", _omp_outer))


OMP_PARALLEL = re.compile(r"#pragma\s+omp\s+parallel\b[^\n]*")


def omp_schedule(kind: str) -> Callable[[str], str | None]:
    """OpenMP's loop schedule `kind` (static, dynamic, guided): set on the kernels'
    `omp parallel for` pragmas, or such pragmas put on the outer loops where there are none."""
    def edit(code: str) -> str | None:
        pragmas = [p for p in OMP_PARALLEL.finditer(code) if re.search(r"\bfor\b", p.group(0))]
        if not pragmas:
            return _omp_outer(code, f"#pragma omp parallel for schedule({kind})")
        out, last = [], 0
        for p in pragmas:
            line = p.group(0)
            if re.search(r"\bschedule\s*\(", line):
                line = re.sub(r"\bschedule\s*\([^)]*\)", f"schedule({kind})", line)
            else:
                line = f"{line} schedule({kind})"
            out.append(code[last:p.start()] + line)
            last = p.end()
        new = "".join(out) + code[last:]
        return new if new != code else None
    return lambda src: _with_openmp(edit_code(src, "cpp", edit))


def omp_threads(n: int) -> Callable[[str], str | None]:
    """`num_threads(n)` on the kernels' `omp parallel` pragmas (a pool sized to the work:
    fewer threads can win on small calls)."""
    def edit(code: str) -> str | None:
        new = OMP_PARALLEL.sub(
            lambda p: re.sub(r"\bnum_threads\s*\([^)]*\)", f"num_threads({n})", p.group(0))
            if "num_threads" in p.group(0) else f"{p.group(0)} num_threads({n})", code)
        return new if new != code else None
    return lambda src: edit_code(src, "cpp", edit)


def _omp_simd(code: str) -> str | None:
    m = mask(code)
    loops = list(for_loops(m))
    picks = []
    for loop in innermost(loops):
        pragma = _pragma_before(m, loop)
        if (pragma and pragma != OMP_FOR) or not _canonical(loop) or _collapsed(m, loops, loop):
            continue
        body = m[loop.body_start:loop.end]
        shared = _scalars_written(body) - {loop.var}
        sums = {s for s in shared if re.search(rf"(?<![\w.]){s}\s*\+=", body)
                and not re.search(rf"(?<![\w.]){s}\s*(?:[-*/%&|^]?=(?!=)|\+\+|--)", body)}
        if shared - sums:
            continue
        clause = f" reduction(+:{', '.join(sorted(sums))})" if sums else ""
        # Merged into a parallel-for line as `parallel for simd` (OpenMP's combined construct;
        # a trailing `simd` clause does not compile).
        merged = pragma.replace("parallel for", "parallel for simd", 1) if pragma else "#pragma omp simd"
        picks.append((loop, merged + clause, bool(pragma)))
    return _insert_pragmas(code, picks)


def omp_simd_inner(src: str) -> str | None:
    """`#pragma omp simd` (with a `+` reduction where the loop sums into a scalar) on
    innermost loops (plus `-fopenmp`)."""
    new = edit_code(src, "cpp", _omp_simd)
    if new is None:
        return None
    new = set_flags(new, "extra_cflags", ["-fopenmp"], drop=r"-fno-tree-vectorize")
    return set_flags(new, "extra_ldflags", ["-fopenmp"])


RESTRICTABLE = re.compile(
    r"\b((?:const\s+)?(?:float|double|int|int64_t|int32_t|uint8_t|half|scalar_t|float4|long))\s*\*\s*(?!__restrict)(\w+)\s*(?=[=,)])")


def _restrict(code: str) -> str | None:
    m = mask(code)
    spots = [f for f in RESTRICTABLE.finditer(m)]
    if not spots:
        return None
    out, last = [], 0
    for f in spots:
        out.append(code[last:f.start()] + f"{f.group(1)}* __restrict__ {f.group(2)}")
        last = f.start() + len(f.group(0).rstrip())
    return "".join(out) + code[last:]


def restrict_pointers(src: str) -> str | None:
    """Raw pointer variables and parameters declared `__restrict__` (no aliasing: the
    compiler may vectorise and keep values in registers)."""
    return edit_code(src, "cpp", _restrict)


def optimization_flags(flags: tuple[str, ...]) -> Callable[[str], str | None]:
    """The C++ kernels built with `flags` (an `-O` level, maybe `-march=native`) in place of
    the `-O`, `-march` and `-fno-tree-vectorize` flags they had."""
    def apply(src: str) -> str | None:
        if edit_code(src, "cpp", lambda code: code + " ") is None or has_flags(src, "extra_cflags", list(flags)):
            return None
        new = set_flags(src, "extra_cflags", list(flags), drop=r"-O[0-3s]|-Ofast|-march=\S+|-fno-tree-vectorize")
        return new if new != src else None
    return apply


o3_native = optimization_flags(("-O3", "-march=native"))


def fast_math(src: str) -> str | None:
    """`-ffast-math` for the C++ kernels (reassociated sums: the judge's tolerance decides)."""
    if edit_code(src, "cpp", lambda code: code + " ") is None or has_flags(src, "extra_cflags", ["-ffast-math"]):
        return None
    return set_flags(src, "extra_cflags", ["-ffast-math"])


def unroll(factor: int) -> Callable[[str], str | None]:
    """`#pragma GCC unroll <factor>` on innermost loops without a pragma."""
    def edit(code: str) -> str | None:
        m = mask(code)
        loops = list(for_loops(m))
        picks = [(lp, f"#pragma GCC unroll {factor}", False) for lp in innermost(loops)
                 if not _pragma_before(m, lp) and _canonical(lp) and not _collapsed(m, loops, lp)]
        return _insert_pragmas(code, picks)
    return lambda src: edit_code(src, "cpp", edit)


unroll_inner = unroll(4)


def kernel_loop_interchange(src: str) -> str | None:
    """The C++ `loop_interchange` rewrite applied to the kernel sources (`a[i][j]` accessors)."""
    return edit_code(src, "cpp", loop_interchange)


TILE_NAME = re.compile(r"\w*(?:TILE|BLOCK|BLK|CHUNK|CB|RB|BS|TB)\w*", re.I)
CONSTANTS = re.compile(r"\b(?:constexpr|const)\s+(?:int|int64_t|int32_t|long|size_t)\s+(?P<decls>[^;]*);"
                       r"|#\s*define\s+(?P<macro>\w+)\s+(?P<value>\d+)\b")


def tile_constants(m: str) -> list[tuple[int, int, int]]:
    """(start, end, value) of each tile-size constant: `constexpr int TILE = 64, CB = 256;`
    declarators and `#define BLOCK 32` macros whose names say tile or block."""
    spots = []
    for found in CONSTANTS.finditer(m):
        if found.group("macro"):
            if TILE_NAME.fullmatch(found.group("macro")):
                spots.append((found.start("value"), found.end("value"), int(found.group("value"))))
            continue
        for decl in re.finditer(r"(\w+)\s*=\s*(\d+)\b(?=\s*(?:,|$))", found.group("decls")):
            if TILE_NAME.fullmatch(decl.group(1)):
                at = found.start("decls") + decl.start(2)
                spots.append((at, at + len(decl.group(2)), int(decl.group(2))))
    return spots


def _tiles(factor: float) -> Callable[[str], str | None]:
    def scale(code: str) -> str | None:
        spots = [(s, e, v) for s, e, v in tile_constants(mask(code))
                 if v >= 4 and v & (v - 1) == 0 and 2 <= v * factor <= 4096]
        if not spots:
            return None
        out, last = [], 0
        for start, end, value in spots:
            out.append(code[last:start] + str(int(value * factor)))
            last = end
        return "".join(out) + code[last:]
    return scale


def tiles(factor: float) -> Callable[[str], str | None]:
    """Tile/block-size constants (`constexpr int TILE = 64`) scaled by `factor`."""
    return lambda src: edit_code(src, "cpp", _tiles(factor))


tile_double = tiles(2)
tile_half = tiles(0.5)


REWRITES = [
    Rewrite("omp_parallel_outer", "python", (COMPUTE_BOUND, MEMORY_BOUND, SPREAD), omp_parallel_outer,
            "OpenMP `parallel for` over the outer loop (`-fopenmp`)", weight=3),
    Rewrite("omp_simd_inner", "python", (COMPUTE_BOUND, HOT_LOOP), omp_simd_inner,
            "`#pragma omp simd` on the inner loops", weight=2),
    Rewrite("restrict_pointers", "python", (COMPUTE_BOUND, MEMORY_BOUND), restrict_pointers,
            "`__restrict__` on raw pointers"),
    Rewrite("o3_native", "python", (COMPUTE_BOUND, SPREAD), o3_native, "`-O3 -march=native`", weight=2),
    Rewrite("fast_math", "python", (COMPUTE_BOUND,), fast_math, "`-ffast-math` (the judge checks the tolerance)"),
    Rewrite("unroll_inner", "python", (COMPUTE_BOUND, HOT_LOOP), unroll_inner, "`#pragma GCC unroll 4` on inner loops", weight=0.5),
    Rewrite("kernel_loop_interchange", "python", (MEMORY_BOUND, HOT_LOOP), kernel_loop_interchange,
            "kernel loop nest interchanged for contiguous inner access"),
    Rewrite("tile_double", "python", (COMPUTE_BOUND, MEMORY_BOUND), tile_double, "tile sizes doubled",
            family="tile_size", weight=0.5),
    Rewrite("tile_half", "python", (COMPUTE_BOUND, MEMORY_BOUND), tile_half, "tile sizes halved",
            family="tile_size", weight=0.5),
]
