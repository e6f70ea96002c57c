"""Kernel judge at published KernelBench sizes: every problem file gets a verdict, none blames the candidate.

Each problem's own `Model` is judged as the candidate (`class ModelNew(Model)`): identical
work, so the only right verdicts are `ok` or, where a configured limit of the judge is
reached (memory, run time, workspace), a judge-side error naming the limit and its knob.
Any other verdict blames a candidate that is the reference itself: a judge bug, listed.
The settings give a verdict, not a speedup (one correctness call, one timing process a side
of one call); peak memory and wall time are recorded per file.

`--data DIR`: every `level1/`, `level2/`, `level3/` problem file under DIR (a KernelBench
checkout, or a folder of chosen files in that layout). Without it: the repository's
real-size fixture (KernelBench level1/40_LayerNorm at 16x64x256x256, 268 MB per output).
With `--json FILE` the figures are written after every file, and a run started again with
the same FILE, backend and judge settings resumes: files already judged there are kept, not
judged again (a sweep of hundreds of minutes survives an interrupt), and so are rows of files
outside this run's selection (another `--every`). A FILE that is not a kernel_sizes result,
or holds one made with other settings, is never overwritten: that is an error naming it.
`--quick`: the first two files of each level; `--every N`: every N-th file of each level in
problem-number order (a sample spread over the suite's sizes). Judge options apply as usual
(`judge.kernel.limits.run_timeout_s=…`, `sandbox=local|docker`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from maxcode.judging import make_backend
from maxcode.records.errors import UserError
from maxcode.selfbench.resume import earlier_figures

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "sandbox" / "kernel" / "fixtures" / "layernorm_real_size_problem.py"
LEVELS = ("level1", "level2", "level3")
VERDICT_ONLY = {
    "device": "cpu",
    "checks": {"require_custom_kernel": False, "static": "off", "correctness_trials": 1},
    "timing": {"warmup_trials": 0, "min_trials": 1, "max_trials": 1, "time_target_s": 0.0, "processes": 1},
}


def problem_files(data: str | None, quick: bool, every: int = 1) -> list[tuple[str, Path]]:
    """(name, path) of the problems to judge, level by level, in problem-number order."""
    if not data:
        return [("fixture/40_LayerNorm_real_size", FIXTURE)]
    if every < 1:
        raise UserError(f"--every {every}: must be at least 1", "pass --every 1 for every file")
    root = Path(data)
    if not root.is_dir():
        raise UserError(f"--data: {root} is not a directory", "pass a KernelBench checkout")
    found = []
    for level in LEVELS:
        dirs = [d for d in (root / level, root / "KernelBench" / level) if d.is_dir()]
        files = sorted((p for d in dirs[:1] for p in d.glob("*.py") if not p.name.startswith("__")),
                       key=_problem_number)
        found += [(f"{level}/{p.name}", p) for p in (files[:2] if quick else files[::every])]
    if not found:
        raise UserError(f"--data: no level1/level2/level3 problem files under {root}",
                        "pass a KernelBench checkout (its KernelBench/ folder or the repository root)")
    return found


def _problem_number(path: Path) -> tuple[int, str]:
    """KernelBench names files `N_Name.py`: sort by N (10 after 9), then by name."""
    head = path.name.split("_", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, path.name)


def judge_one(judge, source: str) -> dict:
    """The verdict on the problem's own Model: ok, judge_limit (a UserError naming its knob) or
    blamed (any other verdict: a bug of the judge)."""
    start = time.perf_counter()
    try:
        ev = judge.evaluate(source, f"{source}\n\nclass ModelNew(Model):\n    pass\n")
    except UserError as exc:
        return {"verdict": "judge_limit", "status": type(exc).__name__, "message": exc.cause,
                "fix": exc.fix, "wall_s": time.perf_counter() - start, "peak_memory_bytes": None}
    status = ev.status.value
    return {
        "verdict": "ok" if status == "ok" else "blamed", "status": status, "message": ev.message,
        "fix": "", "wall_s": time.perf_counter() - start, "peak_memory_bytes": ev.peak_memory_bytes,
    }


def run(cfg: DictConfig, args: argparse.Namespace) -> int:
    console = Console()
    files = problem_files(getattr(args, "data", None), args.quick, getattr(args, "every", 1))
    judge_cfg = OmegaConf.merge(cfg.judge.kernel, VERDICT_ONLY)
    settings = {"sandbox": OmegaConf.to_container(cfg.sandbox, resolve=True),
                "judge": OmegaConf.to_container(judge_cfg, resolve=True)}
    done = _judged_before(args.json, settings, console)
    wanted = {name for name, _ in files}
    kept = [row for name, row in done.items() if name not in wanted]
    backend = make_backend(cfg)
    rows: list[dict] = []
    try:
        judge = instantiate(judge_cfg)(backend=backend)
        for i, (name, path) in enumerate(files, 1):
            row = done.get(name) or {"problem": name, **judge_one(judge, path.read_text())}
            rows.append(row)
            console.print(f"[{i}/{len(files)}] {name}: {row['status']} in {row['wall_s']:.1f} s"
                          + (" (judged before)" if name in done else "")
                          + (f" — {row['message'][:160]}" if row["verdict"] != "ok" else ""), style="dim")
            if args.json:  # after every file: a long sweep cut short keeps what it judged
                Path(args.json).write_text(json.dumps(_figures(backend, rows + kept, settings), indent=2))
    finally:
        backend.close()
    figures = _figures(backend, rows + kept, settings)
    _print(console, figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 1 if figures["counts"]["blamed"] else 0


def _judged_before(json_path: str | None, settings: dict, console: Console) -> dict[str, dict]:
    """Rows of an earlier run into the same JSON file, by problem."""
    rows = earlier_figures(json_path, "kernel_sizes", settings,
                           lambda earlier: {r["problem"]: r for r in earlier["rows"]}) or {}
    if rows:
        console.print(f"resuming {json_path}: {len(rows)} files judged before are kept")
    return rows


def _figures(backend, rows: list[dict], settings: dict) -> dict:
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("ok", "judge_limit", "blamed")}
    return {"backend": backend.name, "files": len(rows), "counts": counts, "settings": settings, "rows": rows}


def _print(console: Console, figures: dict) -> None:
    table = Table(title=f"published sizes on {figures['backend']}: the problem's own Model as the candidate")
    for col in ("problem", "verdict", "wall s", "peak GB", "message"):
        table.add_column(col)
    for r in figures["rows"]:
        peak = f"{r['peak_memory_bytes'] / 1e9:.2f}" if r["peak_memory_bytes"] else "-"
        note = "" if r["verdict"] == "ok" else f"{r['message'][:120]} {r['fix'][:80]}".strip()
        table.add_row(r["problem"], r["status"], f"{r['wall_s']:.1f}", peak, note)
    console.print(table)
    c = figures["counts"]
    console.print(f"{figures['files']} files: {c['ok']} ok, {c['judge_limit']} stopped at a limit of the judge "
                  f"(named with its knob), {c['blamed']} blamed on the candidate (goal 0)")
