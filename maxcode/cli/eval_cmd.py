"""`maxcode eval --task PATH [--tests DIR] --candidate FILE [--json] [overrides]`.

Judges one candidate against its task and prints the verdict: a readable summary, or with
`--json` exactly one JSON object on stdout (the whole `Evaluation` plus the task id). The
exit code is 0 whenever the candidate was judged, whatever the verdict: a kernel candidate
that is not valid Python is the verdict `compile_error` with `file:line`, like a C++ one that
does not compile. A bad path, an empty tests directory or a file that is not a program of the
task's language is a user error: exit 2, one line on stderr, no traceback, and with `--json`
still one JSON object on stdout (`status: "error"`, the cause and the fix), so a script that
judges many generations reads exactly one object per call.

A kernel candidate is timed against the reference both as written (eager) and through
`torch.compile` (`speedup_vs_compile` and its interval in the JSON): KernelBench and
KernelAgent report both. `--no-compile-baseline` skips the second, which costs a compile of
the reference (tens of seconds on a CPU, mostly once per problem).

Overrides go to Hydra, e.g. `sandbox=local cpp_timing=instructions judge.cpp.run_limits.wall_time_s=2`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from maxcode.benchmarks.loaders.single_file import CPP_SUFFIXES, load_task
from maxcode.benchmarks.task import Task
from maxcode.cli import conf_help
from maxcode.config import load_config
from maxcode.errors import TaskError, UserError
from maxcode.records.evaluation import Evaluation
from maxcode.sandbox.judges.cpp.source import check_source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, metavar="PATH", help="baseline: a .cpp program or a KernelBench .py")
    parser.add_argument("--tests", metavar="DIR", help="input.N.txt/output.N.txt directory of a .cpp task "
                        "(default: tests/ next to it)")
    parser.add_argument("--candidate", required=True, metavar="FILE", help="the rewrite to judge")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    conf_help.add_cfg_argument(parser)
    parser.add_argument("--no-compile-baseline", action="store_true",
                        help="kernel tasks: time against the eager reference only, not also against torch.compile")
    parser.add_argument("--critique", action="store_true",
                        help="also diagnose the verdict (critique=rules unless critique=llm is given; "
                        "the LLM critic uses critique.model, else the proposer's model)")


def read_candidate(path: Path, task: Task) -> str:
    """The candidate's source, or a TaskError when it cannot be a program for `task`."""
    if not path.exists():
        raise TaskError(f"candidate file {path} does not exist", "check the path")
    if not path.is_file():
        raise TaskError(f"candidate {path} is not a file", "pass the candidate's source file")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TaskError(f"candidate {path} is not UTF-8 text", "pass a source file, not a binary") from exc
    if task.family == "cpp":
        if path.suffix.lower() not in CPP_SUFFIXES:
            raise TaskError(f"candidate {path} is not C++ (a {path.suffix or 'suffix-less'} file)",
                            "pass a .cpp file for a C++ task")
        reason = check_source(source)
        if reason is not None:
            raise TaskError(f"candidate {path} is not usable: {reason}", "pass a C++17 program with a main()")
    return source


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.3f} s"


def print_summary(task: Task, ev: Evaluation, diagnosis: dict[str, Any] | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    colour = "green" if ev.correct else "red"
    console.print(f"[bold]{task.id}[/bold]: [{colour}]{ev.status.value}[/{colour}] - {ev.message}", markup=True,
                  highlight=False)
    table = Table(show_header=False, box=None, pad_edge=False)
    if ev.speedup is not None and ev.speedup_ci is not None:
        lo, hi = ev.speedup_ci
        verdict = "significant" if ev.significant else "not significant"
        table.add_row("speedup", f"{ev.speedup:.3f}x  (95% CI {lo:.3f} - {hi:.3f}, {verdict})")
    if ev.speedup_vs_compile is not None and ev.speedup_vs_compile_ci is not None:
        lo, hi = ev.speedup_vs_compile_ci
        table.add_row("vs torch.compile", f"{ev.speedup_vs_compile:.3f}x  (95% CI {lo:.3f} - {hi:.3f})")
    if ev.timing_mode == "wall":
        table.add_row("baseline", f"{_fmt_time(ev.baseline_time_s)} (median of {len(ev.baseline_times_s)} rounds)")
        table.add_row("candidate", _fmt_time(ev.candidate_time_s))
    elif ev.timing_mode == "instructions":
        table.add_row("baseline", f"{ev.baseline_instructions:,} instructions")
        table.add_row("candidate", f"{ev.candidate_instructions:,} instructions")
    if ev.failing_test is not None:
        table.add_row("failing test", ev.failing_test)
    if ev.mismatch is not None:
        table.add_row("expected", repr(ev.mismatch.expected))
        table.add_row("got", repr(ev.mismatch.got))
    if ev.backend:  # empty when nothing ran (a candidate that is not valid Python)
        table.add_row("sandbox", f"{ev.backend} ({ev.isolation})" if ev.isolation else ev.backend)
    console.print(table)
    for title, text in (("compiler output", ev.compile_log), ("stderr", ev.runtime_log)):
        if text.strip() and not ev.correct:
            console.print(f"[bold]{title}:[/bold]", markup=True)
            console.print(text.strip()[-2000:], markup=False, highlight=False)
    if diagnosis is not None and diagnosis.get("text"):
        console.print("[bold]diagnosis:[/bold]", markup=True)
        console.print(diagnosis["text"], markup=False, highlight=False)


def run(args: argparse.Namespace, overrides: list[str]) -> int:
    try:
        return _run(args, overrides)
    except UserError as exc:
        if args.json:  # one object per call, also when nothing was judged; main prints the line
            sys.stdout.write(json.dumps(user_error_record(exc)) + "\n")
        raise


def user_error_record(exc: UserError) -> dict[str, Any]:
    """The `--json` object of a call that judged nothing: the contract's keys, all empty."""
    return {"task_id": None, "status": "error", "correct": False, "speedup": None, "speedup_ci": None,
            "baseline_time_s": None, "candidate_time_s": None, "message": exc.cause, "fix": exc.fix,
            "error": f"{type(exc).__module__}.{type(exc).__name__}"}


def _run(args: argparse.Namespace, overrides: list[str]) -> int:
    if args.critique and not any(o.lstrip("+~").startswith("critique=") for o in overrides):
        # `--critique` asks for a diagnosis: the root default (critique=none) would print none.
        overrides = ["critique=rules", *overrides]
    if args.cfg:
        return conf_help.print_job(overrides)
    cfg = load_config(overrides)
    tests = args.tests or cfg.get("tests")
    task = load_task(Path(args.task), tests=Path(tests) if tests else None)
    if task.family == "kernel" and not args.no_compile_baseline and not any(
            o.lstrip("+~").startswith("judge.kernel.timing.compile_baseline") for o in overrides):
        cfg = load_config([*overrides, "judge.kernel.timing.compile_baseline=true"])
    source = read_candidate(Path(args.candidate), task)
    # Invalid Python is a verdict, reported against the user's own file (no sandbox needed).
    early = None
    if task.family == "kernel":
        from maxcode.sandbox.judges.kernel.problem import syntax_error_verdict

        early = syntax_error_verdict(source, filename=args.candidate)

    from maxcode.judging import Judging  # after the cheap checks: building a backend takes a while

    diagnosis = None
    if early is not None and not args.critique:
        evaluation = early
    else:
        with Judging(cfg) as judges:
            critique = None
            if args.critique:  # built before judging: a critic without a model fails fast
                from maxcode.wiring import build_critique

                critique = build_critique(cfg, judges.backend)
            evaluation = early or judges.judge_task(task, source)
            diagnosis = critique.diagnose(task, source, evaluation).to_dict() if critique else None

    if args.json:
        record: dict[str, Any] = {"task_id": task.id, **evaluation.to_dict()}
        if diagnosis is not None:
            record["diagnosis"] = diagnosis
        sys.stdout.write(json.dumps(record) + "\n")
    else:
        print_summary(task, evaluation, diagnosis)
    return 0
