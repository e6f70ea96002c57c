"""The axes of the search space: what the project knows how to do to a program, with parameters.

A dimension is one choice about a program (its I/O, an OpenMP schedule, an `-O` level, a
tile scale...) with a few named options besides "off"; an option is a deterministic
rewrite of the source (maxcode/proposers/rewrites/), or None where it does not apply. A
configuration picks at most one option per dimension and applies them in the order the
dimensions are listed here, which is the order in which they compose: structure first
(I/O, containers, loop order), then pragmas on the loops that are left, then build flags.

The C++ axes are every C++ rewrite (a rewrite family is one axis) with the compiler pragmas
widened to levels; the kernel axes are, for a traced reference, its calls fused, re-laid-out
and re-called (maxcode/proposers/rewrites/kernel_traced.py), then the CPU `load_inline`
rewrites with OpenMP schedules and thread counts, unroll factors, tile scales and `-O`
levels as parameters.
Fast-math is only an option: the judge checks each candidate's outputs against its
tolerance, so a variant that loses too much precision is judged wrong, not credited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from maxcode.proposers.rewrites import cpp_containers, cpp_io, cpp_loops, kernel_cpu, kernel_traced
from maxcode.proposers.rewrites.base import Rewrite


@dataclass(frozen=True)
class Option:
    """One setting of a dimension."""

    value: str
    """What the configuration records (`O3`, `dynamic`, `x2`...)."""
    apply: Callable[[str], str | None]
    """The rewritten source, or None where the option does not apply to it."""


@dataclass(frozen=True)
class Dimension:
    """One choice about a program; "off" (the program as it is) is always an option."""

    name: str
    options: tuple[Option, ...]
    summary: str


def _switch(rewrite: Rewrite) -> Dimension:
    return Dimension(rewrite.name, (Option("on", rewrite.apply),), rewrite.summary)


def _family(name: str, rewrites: list[Rewrite], summary: str) -> Dimension:
    return Dimension(name, tuple(Option(r.name, r.apply) for r in rewrites), summary)


_WIDENED = {"pragma_optimize", "pragma_target"}  # replaced by the leveled axes below


def _cpp() -> tuple[Dimension, ...]:
    rewrites = [r for family in (cpp_io, cpp_containers, cpp_loops) for r in family.REWRITES
                if r.name not in _WIDENED]
    families: dict[str, list[Rewrite]] = {}
    for r in rewrites:
        families.setdefault(r.family or r.name, []).append(r)
    axes = [_switch(group[0]) if len(group) == 1 else _family(key, group, f"one of {len(group)} {key} rewrites")
            for key, group in families.items()]
    return (*axes,
            Dimension("gcc_optimize", tuple(Option(level, cpp_loops.gcc_optimize(level))
                                            for level in ("O2", "O3", "O3,unroll-loops", "Ofast")),
                      "`#pragma GCC optimize` level"),
            Dimension("gcc_target", tuple(Option(isas, cpp_loops.gcc_target(isas))
                                          for isas in ("sse4.2", "avx2", "avx2,bmi,bmi2,popcnt,lzcnt")),
                      "`#pragma GCC target` instruction sets"))


def _kernel() -> tuple[Dimension, ...]:
    k, t = kernel_cpu, kernel_traced
    return (
        # A traced reference's calls (a base of maxcode/proposers/space/aten_trace.py): the
        # fused loop they write is plain C++, so the loop axes below apply to it.
        Dimension("fuse_elementwise", (Option("on", t.fuse_elementwise),),
                  "chains of elementwise ops as one loop over the elements"),
        Dimension("channels_last", (Option("on", t.channels_last),), "2-D convolutions on channels-last tensors"),
        Dimension("linear_addmm", (Option("on", t.linear_addmm),), "`linear` with a bias as one `addmm`"),
        Dimension("inference_mode", (Option("on", t.inference_mode),), "the forward under `c10::InferenceMode`"),
        Dimension("loop_order", (Option("interchanged", k.kernel_loop_interchange),),
                  "kernel loop nest interchanged for contiguous inner access"),
        Dimension("tiles", tuple(Option(f"x{f:g}", k.tiles(f)) for f in (0.25, 0.5, 2, 4)),
                  "tile/block-size constants scaled"),
        Dimension("omp_schedule", tuple(Option(kind, k.omp_schedule(kind)) for kind in ("static", "dynamic", "guided")),
                  "OpenMP `parallel for` schedule (added on the outer loops where there is none)"),
        Dimension("omp_threads", tuple(Option(str(n), k.omp_threads(n)) for n in (1, 2, 4)),
                  "OpenMP `num_threads`"),
        Dimension("simd", (Option("on", k.omp_simd_inner),), "`#pragma omp simd` on the inner loops"),
        Dimension("unroll", tuple(Option(str(n), k.unroll(n)) for n in (2, 4, 8)),
                  "`#pragma GCC unroll` on the inner loops"),
        Dimension("restrict", (Option("on", k.restrict_pointers),), "`__restrict__` on raw pointers"),
        Dimension("opt_flags", tuple(Option(" ".join(flags), k.optimization_flags(flags))
                                     for flags in (("-O2",), ("-O3",), ("-O3", "-march=native"))),
                  "the kernels' `-O` level and `-march`"),
        Dimension("fast_math", (Option("on", k.fast_math),), "`-ffast-math` (the judge checks the tolerance)"),
    )


DIMENSIONS: dict[str, tuple[Dimension, ...]] = {"cpp": _cpp(), "python": _kernel()}
"""The axes per task language (`python`: KernelBench-style kernels with `load_inline` C++)."""
