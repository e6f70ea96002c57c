"""`maxcode suite list | show NAME | check NAME`: the benchmark suites and the proof they are sound.

    maxcode suite list
    maxcode suite show pie-mini
    maxcode suite show kernelbench suite.root=~/KernelBench suite.level=1
    maxcode suite check pie-mini [--only pm01_range_sum,pm05_prime_queries] [--json FILE]

`check` judges, through the configured judges, the baseline of every task against itself
(it must be correct on all its tests, with no significant change) and every shipped
variant against the baseline, then prints one row per judgement and exits 1 if any
verdict contradicts the variant's label (see `maxcode.benchmarks.expectations`).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from maxcode.benchmarks.expectations import BASELINE, Expectation, verdict
from maxcode.benchmarks.suite import SUITES, Suite
from maxcode.benchmarks.task import Task
from maxcode.errors import TaskError
from maxcode.proposers.space import space_size
from maxcode.suites import build_suite, compose

log = logging.getLogger(__name__)

CHECK_WALL_TIMING = {"max_seconds": 20.0, "target_relative_width": 0.10}
"""Wall-timer settings of `suite check` unless overridden on the command line: a verdict
needs an interval (at least a dozen A/B rounds of a 0.2-0.6 s program, more on a busy
machine), not a 5%-narrow one."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="{list,show,check}")
    actions.add_parser("list", help="the suites MaxCode knows by name")
    show = actions.add_parser(
        "show", help="a suite's problems, sizes and tests (suite.KEY=VALUE options may follow)"
    )
    show.add_argument("name", help="suite name, e.g. pie-mini")
    check = actions.add_parser(
        "check", help="judge every shipped variant and compare with its label"
    )
    check.add_argument("name", help="suite name, e.g. pie-mini")
    check.add_argument("--only", metavar="ID,...", help="only these task ids (e.g. pm01_range_sum)")
    check.add_argument(
        "--variants",
        metavar="LABEL,...",
        help="only these variant labels (the baseline always runs)",
    )
    check.add_argument("--json", metavar="FILE", help="also write every row as JSON")


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    if args.action == "list":
        return _list()
    spec = SUITES.get(args.name)
    cfg = compose(spec, overrides)
    suite = build_suite(cfg)
    if args.action == "show":
        return _show(suite)
    _check_timing_defaults(cfg, overrides)
    return _check(suite, cfg, args)


def _check_timing_defaults(cfg: DictConfig, overrides: list[str]) -> None:
    """Apply CHECK_WALL_TIMING to a wall timer, leaving every key the user set alone."""
    for key, value in CHECK_WALL_TIMING.items():
        if key in cfg.cpp_timing and not any(
            o.split("=", 1)[0].lstrip("+~") == f"cpp_timing.{key}" for o in overrides
        ):
            cfg.cpp_timing[key] = value


def _console(stderr: bool = False) -> Console:
    # Rich assumes 80 columns when output is not a terminal; tables of ids need more.
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=160)


def _list() -> int:
    table = Table(title="suites")
    for column in ("name", "config", "needs", "description"):
        table.add_column(column)
    for spec in SUITES.specs():
        table.add_row(
            spec.name,
            f"conf/suite/{spec.option}.yaml",
            " ".join(spec.needs) or "-",
            spec.description,
        )
    _console().print(table)
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def _show(suite: Suite) -> int:
    console = _console()
    console.print(
        f"[bold]{suite.name}[/bold] version {suite.version}: {len(suite.tasks)} tasks from {suite.source}"
    )
    if suite.description:
        console.print(suite.description)
    if suite.changelog:
        console.print(f"latest change: {suite.changelog[-1]}")
    table = Table()
    cpp = all(t.family == "cpp" for t in suite.tasks)
    columns = (
        ["task", "title", "tests", "inputs (total / largest)", "variants", "space"]
        if cpp
        else ["task", "level", "sizes", "variants", "space"]
    )
    for column in columns:
        table.add_column(column)
    for task in suite.tasks:
        meta = task.metadata
        variants = ", ".join(meta.get("variants", {})) or "-"
        programs, complete = space_size(task)
        space = str(programs) if complete else f">= {programs}"
        if cpp:
            sizes = meta.get("input_bytes") or [
                Path(t.input_path).stat().st_size for t in task.tests
            ]
            table.add_row(
                task.id.removeprefix(f"{suite.name}/"),
                meta.get("title", ""),
                str(len(task.tests)),
                f"{_size(sum(sizes))} / {_size(max(sizes))}",
                variants,
                space,
            )
        else:
            constants = ", ".join(f"{k}={v}" for k, v in meta.get("constants", {}).items())
            table.add_row(
                task.id.removeprefix(f"{suite.name}/"),
                str(meta.get("level", "")),
                constants,
                variants,
                space,
            )
    console.print(table)
    console.print("space: the programs `proposer=space` can write from each task's own program "
                  "(counted over up to 256 configurations of each base program; device=cpu)")
    return 0


@dataclass
class CheckRow:
    """One judgement of `suite check`."""

    task: str
    variant: str
    expect: str
    status: str
    speedup: float | None
    speedup_ci: tuple[float, float] | None
    significant: bool
    ok: bool | None
    """None when skipped (a cuda variant without a GPU)."""
    reason: str
    seconds: float


def _expect_text(e: Expectation) -> str:
    return e.expect_speed if e.expect_correct else "rejected"


def _selected(suite: Suite, only: str | None) -> list[Task]:
    if not only:
        return suite.tasks
    return [suite.task(name.strip()) for name in only.split(",") if name.strip()]


def _plan(task: Task, labels: set[str] | None) -> list[tuple[Expectation, str | None]]:
    """The baseline (cpp tasks), then each variant with its source path, in label order."""
    variants = task.metadata.get("variants")
    if not variants:
        raise TaskError(
            f"task {task.id} ships no variants to check", "suite check needs a built-in suite"
        )
    # A/A for cpp tasks: the baseline must pass its own tests and time as "no change". A
    # kernel baseline is a `Model`, not a candidate `ModelNew`; the kernel judge runs it as
    # the reference in every trial, so each variant's check already exercises it.
    plan: list[tuple[Expectation, str | None]] = [(BASELINE, None)] if task.family == "cpp" else []
    for label, spec in sorted(variants.items()):
        if labels is None or label in labels:
            plan.append((Expectation.from_spec(label, spec), spec["path"]))
    return plan


def _gpu_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def _judge_one(
    judging: Any, task: Task, expect: Expectation, path: str | None, gpu: bool
) -> CheckRow:
    started = time.monotonic()
    if expect.device == "cuda" and not gpu:
        return CheckRow(
            task.id,
            expect.label,
            _expect_text(expect),
            "skipped",
            None,
            None,
            False,
            None,
            "needs a CUDA device",
            0.0,
        )
    source = task.baseline_source if path is None else Path(path).read_text(encoding="utf-8")
    try:
        ev = judging.judge_task(task, source)
    except TaskError as exc:
        # A baseline that fails its own tests: the task itself is broken, which check reports.
        return CheckRow(
            task.id,
            expect.label,
            _expect_text(expect),
            "task_error",
            None,
            None,
            False,
            False,
            exc.cause,
            time.monotonic() - started,
        )
    v = verdict(expect, ev)
    return CheckRow(
        task=task.id,
        variant=expect.label,
        expect=_expect_text(expect),
        status=getattr(ev.status, "value", str(ev.status)),
        speedup=ev.speedup,
        speedup_ci=tuple(ev.speedup_ci) if ev.speedup_ci else None,
        significant=ev.significant,
        ok=v.ok,
        reason=v.reason,
        seconds=time.monotonic() - started,
    )


def _check(suite: Suite, cfg: DictConfig, args: argparse.Namespace) -> int:
    from maxcode.judging import Judging  # the judges pull in the sandbox; only `check` needs them

    labels = {x.strip() for x in args.variants.split(",")} if args.variants else None
    tasks = _selected(suite, args.only)
    plans = [(task, _plan(task, labels)) for task in tasks]
    gpu = any(e.device == "cuda" for _, plan in plans for e, _ in plan) and _gpu_available()
    rows: list[CheckRow] = []
    err = Console(stderr=True)
    with (
        Judging(cfg) as judging,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress,
    ):
        bar = progress.add_task("checking", total=sum(len(p) for _, p in plans))
        for task, plan in plans:
            for expect, path in plan:
                progress.update(bar, description=f"{task.id} {expect.label}")
                row = _judge_one(judging, task, expect, path, gpu)
                rows.append(row)
                log.info("%s %s: %s (%s)", row.task, row.variant, row.status, row.reason)
                if row.ok is False:
                    progress.console.print(
                        f"[red]contradiction[/red] {row.task} {row.variant}: {row.reason}"
                    )
                progress.advance(bar)
                if args.json:  # after every row: a long check cut short keeps what it judged
                    Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2))
    _print_rows(suite, rows)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2))
    failures = [r for r in rows if r.ok is False]
    return 1 if failures else 0


def _fmt_speedup(row: CheckRow) -> str:
    if row.speedup is None:
        return "-"
    if row.speedup_ci is None:
        return f"{row.speedup:.2f}x"
    return f"{row.speedup:.2f}x [{row.speedup_ci[0]:.2f}, {row.speedup_ci[1]:.2f}]"


def _print_rows(suite: Suite, rows: list[CheckRow]) -> None:
    table = Table(title=f"suite check: {suite.name} v{suite.version}")
    for column in ("task", "variant", "expect", "status", "speedup [95% CI]", "sig", "verdict"):
        table.add_column(column)
    for r in rows:
        mark = (
            "[green]ok[/green]"
            if r.ok
            else ("[yellow]skipped[/yellow]" if r.ok is None else "[red]CONTRADICTS[/red]")
        )
        table.add_row(
            r.task.removeprefix(f"{suite.name}/"),
            r.variant,
            r.expect,
            r.status,
            _fmt_speedup(r),
            "yes" if r.significant else "no",
            mark,
        )
    console = _console()
    console.print(table)
    bad = [r for r in rows if r.ok is False]
    skipped = sum(r.ok is None for r in rows)
    console.print(
        f"{len(rows) - len(bad) - skipped} agree, {len(bad)} contradict, {skipped} skipped"
    )
    for r in bad:
        console.print(f"  {r.task} {r.variant}: {r.reason}")


__all__ = ["CheckRow", "add_arguments", "build_suite", "compose", "run"]
