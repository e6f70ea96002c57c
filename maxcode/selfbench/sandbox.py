"""Sandbox overhead per candidate run, against running the same binary bare on the host.

Two static programs, built on the host: a trivial one (`return 0`) and a CPU loop
calibrated to about one second here. Each round runs, in turn, the binary bare
(`subprocess.run`, timed fork-to-reap from Python) and one candidate run through each
backend: docker with its warm pool (the default), docker with a fresh container per run
(`pool_size=0`, the measured alternative), and local. Rounds interleave the variants so
that machine noise hits them alike; medians are reported.

- `round trip`: `RunResult.host_time_s`, the whole `Backend.run` call (workspace in,
  runner, results out): what one candidate run costs the search.
- `in sandbox`: the runner's fork-to-reap time of the step, the figure judges time with.

Goals (issue 2): docker adds <= 10% on the 1-second program and <= 150 ms on the trivial one.

Run with: `maxcode bench sandbox [--quick] [--json FILE]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

from maxcode.records.errors import BackendUnavailable
from maxcode.sandbox.backends import make_backend
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.run_spec import Limits, RunSpec, Step

log = logging.getLogger(__name__)

TRIVIAL = "int main(void) { return 0; }\n"
# The loop count comes from argv so one binary serves calibration and the runs; the asm
# barrier keeps the compiler from folding the loop away.
LOOP = """#include <stdlib.h>
int main(int argc, char **argv) {
    unsigned long long x = 88172645463325252ULL, n = strtoull(argv[1], 0, 10);
    for (unsigned long long i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        __asm__ volatile("" : "+r"(x));
    }
    return x == 1;
}
"""
GOAL_TRIVIAL_S = 0.150
GOAL_SECOND_RATIO = 1.10


@dataclass
class Row:
    """One backend on one program: medians over the rounds, in seconds."""

    backend: str
    program: str
    rounds: int
    bare_s: float
    round_trip_s: float
    in_sandbox_s: float
    overhead_s: float
    """round trip - bare."""
    overhead_ratio: float
    """round trip / bare."""
    goal: str = ""
    met: bool | None = None


@dataclass
class Figures:
    rows: list[Row] = field(default_factory=list)
    loop_iterations: int = 0
    cpus: int = os.cpu_count() or 0
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    rounds = {"trivial": 5 if quick else 20, "1-second": 2 if quick else 5}
    figures = Figures(load_average=os.getloadavg())
    backends = _backends(figures)
    try:
        with tempfile.TemporaryDirectory(prefix="maxcode-bench-sandbox-") as tmp:
            trivial = _compile(Path(tmp), "trivial", TRIVIAL)
            loop = _compile(Path(tmp), "loop", LOOP)
            figures.loop_iterations = _calibrate(loop, target_s=0.5 if quick else 1.0)
            programs = {"trivial": (trivial, []), "1-second": (loop, [str(figures.loop_iterations)])}
            for name, (binary, argv) in programs.items():
                figures.rows += _measure(name, binary, argv, backends, rounds[name])
    finally:
        for backend in backends.values():
            backend.close()
    _print(figures)
    if getattr(args, "json", None):
        Path(args.json).write_text(json.dumps(asdict(figures), indent=2) + "\n")
    return 0


def _backends(figures: Figures) -> dict[str, Backend]:
    """docker (warm pool), docker (container per run), local; docker ones only if usable."""
    out: dict[str, Backend] = {}
    for label, kind, options in (("docker", "docker", {}), ("docker, container per run", "docker", {"pool_size": 0}),
                                 ("local", "local", {})):
        try:
            backend = make_backend(kind, **options)
            if kind == "docker" and not backend.image_available("cpp"):
                raise BackendUnavailable("image maxcode/cpp missing", "bash sandbox/images/build.sh")
            out[label] = backend
        except BackendUnavailable as exc:
            figures.notes.append(f"{label}: not measured ({exc})")
            log.warning("%s not measured: %s", label, exc)
    return out


def _compile(directory: Path, name: str, source: str) -> Path:
    src, binary = directory / f"{name}.c", directory / name
    src.write_text(source)
    # Static, so the host-built binary runs unchanged in every image.
    subprocess.run(["cc", "-O2", "-static", "-o", str(binary), str(src)], check=True)
    return binary


def _bare(binary: Path, argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([str(binary), *argv], check=True)
    return time.perf_counter() - started


def _calibrate(loop: Path, target_s: float) -> int:
    """Iterations that take about `target_s` here (median of three probes)."""
    probe = 50_000_000
    seconds = statistics.median(_bare(loop, [str(probe)]) for _ in range(3))
    return max(1, int(probe * target_s / seconds))


def _measure(program: str, binary: Path, argv: list[str], backends: dict[str, Backend], rounds: int) -> list[Row]:
    spec = RunSpec(steps=[Step(argv=["./prog", *argv], limits=Limits(wall_time_s=30))],
                   files={"prog": binary}, executables=frozenset({"prog"}))
    bare: list[float] = []
    trips: dict[str, list[float]] = {name: [] for name in backends}
    inside: dict[str, list[float]] = {name: [] for name in backends}
    for backend in backends.values():  # warm-up: pools filled, caches hot
        backend.run(spec)
    for _ in range(rounds):
        bare.append(_bare(binary, argv))
        for name, backend in backends.items():
            result = backend.run(spec)
            step = result.steps[0]
            if not step.ok:
                raise RuntimeError(f"{name}: {program} failed in the sandbox: {step}")
            trips[name].append(result.host_time_s)
            inside[name].append(step.wall_time_s)
    bare_s = statistics.median(bare)
    rows = []
    for name in backends:
        trip = statistics.median(trips[name])
        row = Row(backend=name, program=program, rounds=rounds, bare_s=bare_s, round_trip_s=trip,
                  in_sandbox_s=statistics.median(inside[name]), overhead_s=trip - bare_s,
                  overhead_ratio=trip / bare_s)
        if name == "docker":
            if program == "trivial":
                row.goal, row.met = f"+<= {GOAL_TRIVIAL_S * 1000:.0f} ms", row.overhead_s <= GOAL_TRIVIAL_S
            else:
                row.goal, row.met = f"<= +{(GOAL_SECOND_RATIO - 1) * 100:.0f}%", row.overhead_ratio <= GOAL_SECOND_RATIO
        rows.append(row)
    return rows


def _print(figures: Figures) -> None:
    table = Table(title="Sandbox overhead per candidate run (medians)")
    for column in ("program", "backend", "bare s", "round trip s", "in sandbox s", "overhead", "goal", "met"):
        table.add_column(column)
    for r in figures.rows:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        table.add_row(r.program, r.backend, f"{r.bare_s:.4f}", f"{r.round_trip_s:.4f}", f"{r.in_sandbox_s:.4f}",
                      f"+{r.overhead_s * 1000:.0f} ms ({(r.overhead_ratio - 1) * 100:+.1f}%)", r.goal, met)
    console = Console()
    console.print(table)
    console.print(f"{figures.cpus} CPUs, load average {figures.load_average[0]:.1f} at start "
                  "(other work on the machine inflates every figure)")
    for note in figures.notes:
        console.print(note)
