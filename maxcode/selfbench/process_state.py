"""How much of a kernel's speed a process inherits from its torch import (why the kernel judge starts an interpreter per timing process).

A timing process forked from a warm "zygote" (torch imported once) would save the kernel
judge ~1.5 s of `import torch` per process. It only helps if forked processes are
independent draws: if a child inherits its speed from the parent's import, all children of
one zygote share one draw, and an interval that counts them as many is overconfident.

Each of `--repeat` fresh interpreters (default 10) forks 6 children one after the other;
every child times KernelBench v0's level1/23_Softmax call (16x16384 fp32, fresh inputs per
call, one thread) and reports its median. Two arms, interleaved:
- `fork after import`: the parent imports torch, the children inherit it (a zygote);
- `import after fork`: the parent is a bare interpreter, each child imports torch itself.
Figures per arm: the standard deviation of log process medians within an interpreter and
between interpreters, and the intra-class correlation (between / total). Children of one
parent run one after the other, so "between" also holds the machine's drift over seconds.

A third arm, `fork after import, placed`, puts every call's input on fresh pages at a random
page offset, as the kernel judge's worker does: with inputs on the heap, where a call's
output lands relative to its input (4K aliasing, up to 1.8x on these element-wise calls) is
set by the allocator's history, which a forked child inherits. A fourth, `..., shifted`, also
moves where each child's own allocations land (a random-sized mapping, heap block and tensor
before its first call): a child inherits its parent's address-space layout, which exec
randomizes and fork does not.

Last, the judge's own question, drift cancelled: two zygotes fork in turns (A B B A ...)
and each round gives the log ratio A/B. If forked children were independent draws, the
pairs' mean ratios would scatter by the within-pair sd / sqrt(rounds); a larger scatter is
what each zygote passes on to all of its children. Run on the host, and (with docker and
the kernel-cpu image) with each zygote in its own sandbox container, as the judge runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

CHILDREN = 6
# One interpreter: forks CHILDREN children and prints their medians (microseconds).
_PARENT = r'''
import mmap, os, random, statistics, sys, time
early = sys.argv[1].startswith("fork_after_import")
placed = "placed" in sys.argv[1]
shifted = sys.argv[1].endswith("shifted")
if early:
    import torch

def place(torch, x):
    # The kernel judge's input placement (sandbox/judges/kernel/worker.py: _placed): fresh
    # pages, a random 64-byte-step page offset per call.
    shift = random.randrange(64) * 64
    area = mmap.mmap(-1, x.numel() * x.element_size() + shift)
    moved = torch.frombuffer(area, dtype=x.dtype, count=x.numel(), offset=shift).view(x.shape)
    moved.copy_(x)
    return moved

def child():
    import torch
    torch.set_num_threads(1)
    # A forked child inherits the parent's random state: drawn afresh, each child places its
    # inputs at its own offsets.
    random.seed(os.urandom(16))
    pads = []
    if shifted:  # move where this child's later allocations land: mmap area, heap, torch
        pads = [mmap.mmap(-1, random.randrange(1, 513) * 4096), bytearray(random.randrange(1, 1 << 20)),
                torch.empty(random.randrange(1, 1 << 18))]
    times = []
    with torch.no_grad():
        for i in range(220):
            torch.manual_seed(i)
            x = torch.randn(16, 16384)
            if placed:
                x = place(torch, x)
            t = time.perf_counter()
            y = torch.softmax(x, dim=1)
            times.append(time.perf_counter() - t)
            del y
    del pads
    return statistics.median(times[20:])

def forked():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(w, repr(child()).encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    value = float(os.read(r, 64)) * 1e6
    os.close(r)
    return value

if sys.argv[2] == "serve":  # one child per line read, for a driver that alternates two of us
    for _ in sys.stdin:
        print(forked(), flush=True)
    sys.exit(0)
print([forked() for _ in range(int(sys.argv[2]))])
'''
ARMS = ("fork_after_import", "import_after_fork", "fork_after_import_placed", "fork_after_import_placed_shifted")


def _turns(env: dict, containers: tuple[str, str] | None = None, arm: str = "fork_after_import") -> list[float]:
    """Two zygotes forking in turns (A B B A ...), as the two sides of a judgement would:
    the log ratio A/B of each round, drift of the machine cancelled. With `containers`, each
    zygote runs in its own sandbox container (docker exec), as the judge's sides do."""
    def start(where: str | None) -> subprocess.Popen:
        command = ["-I", "-c", _PARENT, arm, "serve"]
        if where is None:
            argv = [sys.executable, *command]
        else:
            argv = ["docker", "exec", "-i", *(f"-e{k}={v}" for k, v in env.items() if k != "PATH"),
                    where, "python3", *command]
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    a, b = start(containers[0] if containers else None), start(containers[1] if containers else None)
    ratios = []
    try:
        for r in range(CHILDREN):
            got = {}
            for name, proc in ((("a", a), ("b", b)) if r % 4 in (0, 3) else (("b", b), ("a", a))):
                proc.stdin.write("go\n")
                proc.stdin.flush()
                got[name] = float(proc.stdout.readline())
            ratios.append(float(np.log(got["a"] / got["b"])))
    finally:
        for proc in (a, b):
            proc.stdin.close()
            proc.wait()
    return ratios


def variance_components(rows: list[list[float]]) -> dict:
    """Within- and between-interpreter sd of log medians (one-way random effects)."""
    logs = np.log(np.asarray(rows, dtype=float))
    k = logs.shape[1]
    within = float(logs.var(axis=1, ddof=1).mean())
    between = max(0.0, float(logs.mean(axis=1).var(ddof=1)) - within / k)
    return {"within_sd": within ** 0.5, "between_sd": between ** 0.5,
            "icc": between / (between + within) if between + within > 0 else 0.0}


def _sandbox_containers() -> tuple[str, str] | None:
    """Two idle containers of the kernel-cpu sandbox image, with the docker backend's limits
    (no network, read-only root, CPU and memory caps); None without docker or the image."""
    names = (f"maxcode-bench-ps-a-{os.getpid()}", f"maxcode-bench-ps-b-{os.getpid()}")
    for name in names:
        started = subprocess.run(
            ["docker", "run", "-d", "--rm", "--name", name, "--network", "none", "--read-only",
             "--tmpfs", "/tmp", "--cpus", str(min(2, os.cpu_count() or 1)), "--memory", "8g",
             "maxcode/kernel-cpu", "sleep", "3600"], capture_output=True, text=True)
        if started.returncode != 0:
            _remove(names)
            return None
    return names


def _remove(names) -> None:
    subprocess.run(["docker", "rm", "-f", *names], capture_output=True)


def _pairs_summary(pairs: list[list[float]]) -> dict:
    means = np.array([np.mean(p) for p in pairs])
    within = float(np.mean([np.var(p, ddof=1) for p in pairs]))
    return {
        "log_ratios": pairs, "pair_mean_ratios": np.exp(means).tolist(),
        # What the pair means would scatter by if every forked child were an independent draw.
        "expected_sd_if_independent": (within / CHILDREN) ** 0.5, "observed_sd": float(means.std(ddof=1)),
    }


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    console = Console()
    parents = getattr(args, "repeat", None) or (3 if args.quick else 10)
    rows: dict[str, list[list[float]]] = {arm: [] for arm in ARMS}
    pairs: list[list[float]] = []
    sandboxed: list[list[float]] = []
    sandboxed_placed: list[list[float]] = []
    containers = _sandbox_containers() if shutil.which("docker") else None
    env = {"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    with console.status("timing") as status:
        for n in range(parents):
            for arm in ARMS:  # interleaved, so drift of the machine falls on both arms
                status.update(f"interpreter {n + 1}/{parents}: {arm}")
                done = subprocess.run([sys.executable, "-I", "-c", _PARENT, arm, str(CHILDREN)],
                                      capture_output=True, text=True, check=True, env=env)
                rows[arm].append(json.loads(done.stdout.strip().splitlines()[-1]))
            status.update(f"pair {n + 1}/{parents}: two zygotes in turns")
            pairs.append(_turns(env))
            if containers:
                status.update(f"pair {n + 1}/{parents}: two zygotes in turns, in two sandbox containers")
                sandboxed.append(_turns(env, containers))
                status.update(f"pair {n + 1}/{parents}: two zygotes in turns, in two sandbox containers, inputs placed")
                sandboxed_placed.append(_turns(env, containers, "fork_after_import_placed"))
    if containers:
        _remove(containers)
    figures = {arm: {**variance_components(rows[arm]), "medians_us": rows[arm]} for arm in ARMS}
    figures["two_zygotes_in_turns"] = _pairs_summary(pairs)
    if sandboxed:
        figures["two_zygotes_in_turns_docker"] = _pairs_summary(sandboxed)
        figures["two_zygotes_in_turns_docker_placed"] = _pairs_summary(sandboxed_placed)
    table = Table(title=f"softmax 16x16384 medians: {parents} interpreters x {CHILDREN} forked children")
    for column in ("arm", "within sd", "between sd", "ICC", "interpreter means (us)"):
        table.add_column(column)
    for arm in ARMS:
        f = figures[arm]
        means = ", ".join(f"{np.exp(np.mean(np.log(r))):.0f}" for r in rows[arm])
        table.add_row(arm.replace("_", " "), f"{f['within_sd']:.3f}", f"{f['between_sd']:.3f}",
                      f"{f['icc']:.2f}", means)
    console.print(table)
    for key, where in (("two_zygotes_in_turns", "on the host"),
                       ("two_zygotes_in_turns_docker", "in two sandbox containers"),
                       ("two_zygotes_in_turns_docker_placed", "in two sandbox containers, inputs placed")):
        if key not in figures:
            console.print("(no docker or no maxcode/kernel-cpu image: the sandboxed pairs were not run)")
            continue
        turns = figures[key]
        console.print(
            f"two zygotes forking in turns {where} ({parents} pairs x {CHILDREN} rounds): mean ratio of each pair "
            + ", ".join(f"{x:.3f}" for x in turns["pair_mean_ratios"])
            + f"\n  sd of the pairs' mean log ratio {turns['observed_sd']:.3f}; "
            f"{turns['expected_sd_if_independent']:.3f} if every child were an independent draw")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)
    return 0
