"""The reward-to-go dataset: judged nodes of recorded runs as (prompt parts, return bin).

Reads run directories through `maxcode.records.run.RunReader` (the nodes every other reader of a
run sees) and never imports the search (the top floor). Every judged node becomes one example:

    task        the task id and its initial program (the root node's source)
    prefix      the last <= L programs on the path root..parent, each with its feedback
                (verdict, speedup, judge message) and the critique's diagnosis
    candidate   the node's program
    target      its max-reward return over its subtree, G = max(r, gamma * max_child G),
                discretised into speedup bins (see `Bins`), with `return_ci`, the interval
                of the speedup it came from (evaluation counts returns that overlap as ties)

and the signals that carry across tasks, all known before the candidate is judged:
`rewrites` (the named rewrites on the path to it, from the rewrites proposer), `tags` (the
parent's diagnosis tags, e.g. its bottleneck), `parent_speedup` and `depth`. Nothing that
names a file (the library proposer's variant is `faster.cpp` or `wrong.cpp`: the label).

Splits are by problem (every example of a problem is on one side: a PIE task is one
submission of a CodeNet problem, whose siblings must not test what it trained on); a
candidate hash seen before (in any run) is kept once. The file is JSON lines: a header line (format, version, bins, L,
gamma), then one example per line. A data card (`<file>.card.md` and `.card.json`) beside
it counts examples per bin, per task, per split and per source run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maxcode.records.node import Node, NodeStatus
from maxcode.records.run import TRAJECTORY, RunReader, atomic_write
from maxcode.reward.errors import DatasetError

log = logging.getLogger(__name__)

FORMAT = "maxcode-rtg-dataset"
VERSION = 2
"""Bumped when the example layout changes; a file of another version is refused.
2: rewrites, tags, parent_speedup, depth."""

# Statuses without a verdict of the node's own.
UNJUDGED = {NodeStatus.BASELINE, NodeStatus.NO_CODE, NodeStatus.SKIPPED, NodeStatus.NOT_NOVEL}


@dataclass
class Bins:
    """Speedup bins of the return: bin 0 is failure (G == 0), then one bin per interval
    between consecutive `edges` (the first open below, the last open above)."""

    edges: list[float] = field(default_factory=lambda: [0.9, 1.1, 1.5, 2.0, 4.0])
    """Interval boundaries of the correct returns, increasing."""
    values: list[float] | None = None
    """Speedup each bin stands for when a score is an expectation; None: 0 for failure,
    the interval midpoint inside, 0.8 x the first edge below it and 1.25 x the last above."""

    def __post_init__(self) -> None:
        self.edges = [float(e) for e in self.edges]
        if not self.edges or any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise DatasetError(f"bins.edges must be increasing and non-empty, got {self.edges}",
                               "write them as e.g. bins.edges=[0.9,1.1,1.5,2,4]")
        if self.values is not None and len(self.values) != len(self):
            raise DatasetError(f"bins.values has {len(self.values)} entries for {len(self)} bins",
                               "give one value per bin (failure first) or leave bins.values null")

    @property
    def levels(self) -> list[float]:
        """The speedup of each bin (`values`, or the defaults its docstring describes)."""
        if self.values is not None:
            return [float(v) for v in self.values]
        e = self.edges
        inner = [(a + b) / 2 for a, b in zip(e, e[1:], strict=False)]
        return [0.0, 0.8 * e[0], *inner, 1.25 * e[-1]]

    def __len__(self) -> int:
        return len(self.edges) + 2

    def index(self, g: float) -> int:
        """Bin of a return: 0 for failure (G <= 0), else 1 + the interval it falls in."""
        if g <= 0.0:
            return 0
        return 1 + sum(g >= e for e in self.edges)

    def labels(self) -> list[str]:
        e = self.edges
        names = ["fail", f"<{e[0]:g}"]
        names += [f"{a:g}-{b:g}" for a, b in zip(e, e[1:], strict=False)]
        return [*names, f">={e[-1]:g}"]

    def to_dict(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "values": self.levels}


@dataclass
class DatasetConfig:
    """`maxcode rtg dataset runs=[DIR,...] out=FILE [key=value...]`."""

    runs: list[str] = field(default_factory=list)
    """Run directories, or folders holding run directories (a sweep), searched recursively."""
    out: str = ""
    """The dataset file to write (JSON lines); the data card goes beside it."""
    history: int = 1
    """L: how many programs of the path root..parent form the prefix (the paper's 1)."""
    gamma: float = 1.0
    """Discount of the max-reward return G = max(r, gamma * max over children G)."""
    bins: Bins = field(default_factory=Bins)
    """Speedup bins of the target."""
    test_fraction: float = 0.2
    """Share of the tasks held out (at least one task when there are two or more)."""
    test_tasks: list[str] | None = None
    """Task ids to hold out instead of the hashed choice."""
    seed: int = 0
    """Seed of the hashed task split."""


def run_dirs(paths: Sequence[str]) -> list[Path]:
    """Every run directory under `paths`, sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise DatasetError(f"runs: {path} is not a directory",
                               "pass run directories or sweep directories written by maxcode")
        here = sorted(p.parent for p in path.rglob(TRAJECTORY))
        if not here:
            raise DatasetError(f"runs: {path} holds no {TRAJECTORY}",
                               "pass run directories written by `maxcode optimize` or `maxcode sweep`")
        found.extend(here)
    return sorted(set(found))


def read_nodes(run_dir: Path) -> list[Node]:
    """Nodes of one run in id order, as every reader of a run reads them."""
    reader = RunReader(run_dir)
    nodes = reader.nodes()
    for problem in reader.problems:
        log.warning("%s: %s", run_dir, problem)
    return nodes


def is_judged(node: Node) -> bool:
    """A node with a verdict of its own (duplicates reuse another's and are not examples)."""
    return node.status not in UNJUDGED and node.reward is not None


def returns(nodes: Sequence[Node], gamma: float) -> dict[int, float]:
    """Max-reward return of every node with a reward: G = max(r, gamma * max child G)."""
    return {i: g for i, (g, _, _) in returns_with_intervals(nodes, gamma).items()}


def returns_with_intervals(nodes: Sequence[Node], gamma: float) -> dict[int, tuple[float, float, float]]:
    """(G, low, high) of every node with a reward: the return and the 95% interval of the
    speedup it came from (discounted as G is; exact for a failure's 0 or an untimed reward)."""
    children: dict[int, list[int]] = defaultdict(list)
    by_id = {n.id: n for n in nodes}
    for n in nodes:
        if n.parent_id is not None:
            children[n.parent_id].append(n.id)
    out: dict[int, tuple[float, float, float]] = {}
    # Children have larger ids than their parent: one pass from the last id suffices.
    for node_id in sorted(by_id, reverse=True):
        options = [(gamma * g, gamma * lo, gamma * hi)
                   for g, lo, hi in (out[c] for c in children[node_id] if c in out)]
        node = by_id[node_id]
        if node.reward is not None:
            r = float(node.reward)
            ci = node.evaluation.speedup_ci if node.correct and node.evaluation.speedup_ci else None
            # The interval is the speedup's: it applies when the reward is that speedup.
            exact = not ci or not ci[0] <= r <= ci[1]
            # First: on a tie with a child's discounted return, the node's own measurement.
            options.insert(0, (r, r, r) if exact else (r, float(ci[0]), float(ci[1])))
        if options:
            out[node_id] = max(options, key=lambda o: o[0])
    return out


def feedback(node: Node) -> str:
    """One line on a node's verdict, as the model sees it."""
    if node.status is NodeStatus.BASELINE:
        return "the task's own program (speedup 1.00x)"
    parts = [node.status.value]
    if node.speedup is not None:
        parts.append(f"speedup {float(node.speedup):.2f}x")
    message = (node.message or (node.evaluation.message if node.evaluation else "")).strip().splitlines()
    if message:
        parts.append(message[0][:200])
    return "; ".join(parts)


def prefix_of(path: Sequence[Node], history: int) -> list[dict[str, str]]:
    """The last `history` programs of a root..parent path with feedback and diagnosis."""
    steps = []
    for node in list(path)[-history:] if history > 0 else []:
        diagnosis = node.diagnosis.text if node.diagnosis is not None else ""
        steps.append({"node_id": node.id, "source": node.source or "",
                      "feedback": feedback(node), "diagnosis": (diagnosis or "").strip()})
    return steps


def task_of(nodes: Sequence[Node], run_dir: Path) -> tuple[str, str]:
    """(task id, problem) of a run: from its summary, else named by its program's hash."""
    summary = RunReader(run_dir).run_summary()
    task_id = (summary.task_id if summary else "") or f"task-{nodes[0].source_hash or ''}"
    problem = (summary.problem if summary else "") or task_id
    # Runs recorded before Task.problem named KernelBench's level say `kernelbench-cpu/1` for
    # level1/1 and level2/1 alike (it numbers problems within a level): split them apart.
    level = re.search(r"/level(\d+)/", task_id)
    suite, _, number = problem.rpartition("/")
    if level and number.isdigit() and "/level" not in problem:
        problem = f"{suite}/level{level.group(1)}/{number}"
    return task_id, problem


def examples_of_run(run_dir: Path, history: int, gamma: float, bins: Bins) -> list[dict[str, Any]]:
    """One example per judged node of one run (no dedupe, no split yet)."""
    nodes = read_nodes(run_dir)
    if not nodes or nodes[0].parent_id is not None:
        return []
    by_id = {n.id: n for n in nodes}
    root = nodes[0]
    task_id, problem = task_of(nodes, run_dir)
    g = returns_with_intervals(nodes, gamma)
    out = []
    for node in nodes:
        if not is_judged(node) or node.duplicate_of is not None:
            continue
        path, parent = [], by_id.get(node.parent_id)
        while parent is not None:
            path.append(parent)
            parent = by_id.get(parent.parent_id) if parent.parent_id is not None else None
        path.reverse()
        ret, low, high = g[node.id]
        out.append({
            "id": f"{run_dir.name}:{node.id}", "run": str(run_dir), "task_id": task_id, "problem": problem,
            "task_hash": root.source_hash or _hash(root.source or ""),
            "baseline": root.source or "", "node_id": node.id,
            "parent_id": node.parent_id, "step": node.step, "index": node.index,
            "prefix": prefix_of(path, history), "candidate": node.source or "",
            "candidate_hash": node.source_hash or _hash(node.source or ""),
            "status": node.status.value, "reward": float(node.reward), "return": ret,
            "return_ci": [low, high],
            "bin": bins.index(ret), "rank_score": node.rank_score,
            # What judging it cost (None where the judge predates the record): the measure
            # `maxcode rtg eval` prices an order in.
            "judge_s": (node.evaluation.details or {}).get("judge_s") if node.evaluation else None,
            **carried_signals(node.proposer.meta, path),
        })
    return out


def carried_signals(meta: dict[str, Any], path: Sequence[Node]) -> dict[str, Any]:
    """What a proposal (its reply's proposer `meta`, made from the path root..parent) was made
    from, in words that mean the same on every task."""
    rewrites = meta.get("rewrites_path") or meta.get("rewrites") or []
    parent = path[-1] if path else None
    tags = parent.diagnosis.tags if parent is not None and parent.diagnosis is not None else {}
    if parent is None:
        speedup = None
    else:
        speedup = 1.0 if parent.status is NodeStatus.BASELINE else parent.speedup
    return {
        "rewrites": [str(r) for r in rewrites if isinstance(r, str)],
        # Scalars only (a tag like fault_line is a position in one program, not a signal).
        "tags": {str(k): v for k, v in tags.items() if isinstance(v, str | bool) and k != "critic_model"},
        "parent_speedup": float(speedup) if isinstance(speedup, int | float) else None,
        "depth": len(path),
    }


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def split_tasks(tasks: Iterable[str], fraction: float, seed: int,
                test_tasks: Sequence[str] | None = None) -> set[str]:
    """Held-out task ids: `test_tasks` if given, else the first ceil(fraction * n) tasks in
    an order hashed with `seed` (at least one when there are two or more tasks)."""
    tasks = sorted(set(tasks))
    if test_tasks is not None:
        unknown = sorted(set(test_tasks) - set(tasks))
        if unknown:
            raise DatasetError(f"test_tasks names tasks not in the runs: {', '.join(unknown)}",
                               f"choose among: {', '.join(tasks)}")
        return set(test_tasks)
    if len(tasks) < 2 or fraction <= 0:
        return set()
    count = min(len(tasks) - 1, max(1, math.ceil(fraction * len(tasks))))
    ordered = sorted(tasks, key=lambda t: hashlib.sha256(f"{seed}:{t}".encode()).hexdigest())
    return set(ordered[:count])


def build(config: DatasetConfig) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Header, examples and data card of the runs in `config` (nothing written)."""
    if config.history < 0:
        raise DatasetError(f"history must be >= 0, got {config.history}", "use history=1 (the paper's L)")
    dirs = run_dirs(config.runs)
    examples: list[dict[str, Any]] = []
    seen: set[str] = set()
    per_run: dict[str, dict[str, Any]] = {}
    empty: list[str] = []
    names: dict[str, tuple[str, str]] = {}
    firsts: dict[str, dict[str, Any]] = {}
    for run_dir in dirs:
        run_examples = examples_of_run(run_dir, config.history, config.gamma, config.bins)
        names.update((e["task_hash"], (e["task_id"], e["problem"]))
                     for e in run_examples if not e["task_id"].startswith("task-"))
        kept = [e for e in run_examples if e["candidate_hash"] not in seen]
        seen.update(e["candidate_hash"] for e in kept)
        per_run[str(run_dir)] = {"judged": len(run_examples), "kept": len(kept)}
        if run_examples:
            firsts[str(run_dir)] = run_examples[0]
        if not run_examples:
            empty.append(str(run_dir))
        examples.extend(kept)
    if empty and len(empty) == len(dirs):
        raise DatasetError(f"no judged nodes in {', '.join(empty)}",
                           "give runs that judged at least one candidate (a run stopped before "
                           "its first evaluation has nothing to learn from)")
    for run_dir in empty:
        log.warning("%s has no judged nodes; it adds no example", run_dir)
    # A run cut before its summary is named by its program's hash; give it the name other
    # runs of the same program have (read before dedupe: they may have added no example), so
    # a split never puts one task on both sides.
    def named(e: dict[str, Any]) -> tuple[str, str]:
        return names.get(e["task_hash"], (e["task_id"], e["problem"]))

    for e in examples:
        e["task_id"], e["problem"] = named(e)
    for run, row in per_run.items():
        row["task"] = named(firsts[run])[0] if run in firsts else None
    # Split by problem: the PIE submissions of one problem are one unit, on one side.
    by_task = {e["task_id"]: e["problem"] for e in examples}
    chosen = None
    if config.test_tasks is not None:
        chosen = sorted({by_task.get(t, t) for t in config.test_tasks})
    test = split_tasks(by_task.values(), config.test_fraction, config.seed, chosen)
    for e in examples:
        e["split"] = "test" if e["problem"] in test else "train"
    header = {"format": FORMAT, "version": VERSION, "history": config.history,
              "gamma": config.gamma, "bins": config.bins.to_dict(),
              "labels": config.bins.labels(), "examples": len(examples)}
    return header, examples, card(header, examples, per_run, empty)


def card(header: dict[str, Any], examples: Sequence[dict[str, Any]],
         per_run: dict[str, dict[str, int]], empty: Sequence[str]) -> dict[str, Any]:
    labels = header["labels"]
    per_bin = Counter(labels[e["bin"]] for e in examples)
    per_task: dict[str, dict[str, Any]] = {}
    for e in examples:
        t = per_task.setdefault(e["task_id"], {"split": e["split"], "examples": 0, "bins": Counter()})
        t["examples"] += 1
        t["bins"][labels[e["bin"]]] += 1
    return {
        "format": header["format"], "version": header["version"], "history": header["history"],
        "gamma": header["gamma"], "bins": header["bins"], "labels": labels,
        # What was judged (every run's judged nodes, repeats across runs included: the
        # verdict memo serves a program several runs reach) against the distinct programs kept.
        "judged_nodes": sum(r["judged"] for r in per_run.values()),
        "runs": len(per_run), "tasks": len({r["task"] for r in per_run.values() if r["task"]}),
        "examples": len(examples),
        "splits": dict(Counter(e["split"] for e in examples)),
        "per_bin": {label: per_bin.get(label, 0) for label in labels},
        "per_task": {k: {**v, "bins": dict(v["bins"])} for k, v in sorted(per_task.items())},
        "per_run": per_run, "runs_without_judged_nodes": list(empty),
    }


def card_markdown(data: dict[str, Any]) -> str:
    lines = [f"# Reward-to-go dataset ({data['format']} v{data['version']})", "",
             f"{data['judged_nodes']} judged nodes from {data['runs']} runs over {data['tasks']} tasks; "
             f"{data['examples']} examples (distinct programs); history L = {data['history']}; "
             f"gamma = {data['gamma']}; splits {data['splits']}.", "",
             "## Per bin", "", "| bin | examples |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in data["per_bin"].items()]
    lines += ["", "## Per task", "", "| task | split | examples | bins |", "|---|---|---|---|"]
    lines += [f"| {k} | {v['split']} | {v['examples']} | {v['bins']} |" for k, v in data["per_task"].items()]
    lines += ["", "## Per source run", "", "| run | task | judged | kept (after dedupe) |", "|---|---|---|---|"]
    lines += [f"| {k} | {v.get('task') or '-'} | {v['judged']} | {v['kept']} |" for k, v in data["per_run"].items()]
    if data["runs_without_judged_nodes"]:
        lines += ["", "Runs without judged nodes (no examples): "
                  + ", ".join(data["runs_without_judged_nodes"])]
    return "\n".join(lines) + "\n"


def write(path: str | Path, header: dict[str, Any], examples: Sequence[dict[str, Any]],
          card_data: dict[str, Any]) -> Path:
    """The file (header line + examples) and its card, each written to a temp and renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "".join(json.dumps(r) + "\n" for r in [header, *examples]))
    atomic_write(card_path(path, ".json"), json.dumps(card_data, indent=2) + "\n")
    atomic_write(card_path(path, ".md"), card_markdown(card_data))
    return path


def card_path(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + ".card" + suffix)


def load(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Header and examples of a dataset file; another format or version is refused."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"data file {path} does not exist", "write one with `maxcode rtg dataset`")
    with open(path) as f:
        first = f.readline()
        try:
            header = json.loads(first) if first.strip() else {}
        except json.JSONDecodeError:
            header = {}
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise DatasetError(f"{path} is not a reward-to-go dataset (no `{FORMAT}` header line)",
                               "write one with `maxcode rtg dataset runs=[...] out=FILE`")
        if header.get("version") != VERSION:
            raise DatasetError(f"{path} is dataset version {header.get('version')}, this MaxCode "
                               f"reads version {VERSION}",
                               "rebuild it from the runs with `maxcode rtg dataset`")
        examples = [json.loads(line) for line in f if line.strip()]
    return header, examples


def bins_of(header: dict[str, Any]) -> Bins:
    return Bins(edges=header["bins"]["edges"], values=header["bins"]["values"])
