"""What the proposer sees: the observation of the max-reward MDP, as chat messages.

Parts (each on/off in conf/observation/, so an ablation is one override): the task and its
baseline, the current (parent) program, the judge's raw feedback on it, the trajectory
history (last `history_full` attempts in full, older ones as one line each), the latest
diagnosis, and the best-discounted reward `y` as text. Prompt texts live in
maxcode/prompts/, one pair of files per task family.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources

from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import truncate
from maxcode.records.node import Node, NodeStatus
from maxcode.search_tree import SearchTree

FENCE = {"cpp": "cpp", "python": "python"}
DEVICE_HINTS = {
    "cpu": "There is no GPU: write C++ kernels (`cpp_sources`, OpenMP and SIMD welcome), not CUDA.",
    "cuda": "Write CUDA kernels (`cuda_sources`) launched from C++ wrappers.",
}


@dataclass
class ObservationConfig:
    """Which parts of the observation the proposer gets."""

    task: bool = True
    """The task statement and its baseline program."""
    current: bool = True
    """The program being improved (the parent), when it is not the baseline."""
    feedback: bool = True
    """The judge's raw feedback on the parent (status, message, speedup, truncated logs)."""
    history: bool = False
    """Earlier attempts on the parent's trajectory (its ancestors and their other children)."""
    history_full: int = 2
    """How many of the most recent attempts are shown with program and feedback."""
    history_summarized: int = 20
    """How many older attempts are listed as one line each (the rest are left out)."""
    diagnosis: bool = False
    """The critique's diagnosis of the parent."""
    y: bool = False
    """The best-discounted reward y on the parent's trajectory, as a sentence."""
    max_log_chars: int = 2000
    """Logs in feedback are cut to this many characters."""
    inspirations: bool = True
    """Programs a strategy offers beside the parent (strategy=evolve: elites of other cells
    and islands), each with its verdict and code; only strategies that pass some show any."""
    max_inspiration_chars: int = 4000
    """Each inspiration's code is cut to this many characters (head and tail kept)."""


@dataclass
class Observation:
    """One request to a proposer."""

    task: Task
    """The task being optimized."""
    parent: Node
    """The node whose program should be improved."""
    messages: list[dict[str, str]]
    """Chat messages (system, user)."""
    prompt_hash: str
    """Hash of `messages`; with `draw` it keys the LLM cache."""
    draw: int = 0
    """Samples already drawn for this same prompt earlier in the run."""
    serial: int = 0
    """Samples drawn in the whole run before this request (proposers without prompts use it)."""
    seed: int = 0
    """Run seed."""
    meta: dict[str, str] = field(default_factory=dict)
    """Free-form extras for proposers (device...)."""
    inspirations: list[Node] = field(default_factory=list)
    """Other programs the strategy offered with the parent (rendered when the config shows
    them; offline proposers read their records, e.g. the rewrites on their paths)."""

    @property
    def text(self) -> str:
        """The user message: what a ranker scores."""
        return self.messages[-1]["content"]


def _prompt(name: str) -> str:
    return resources.files("maxcode.prompts").joinpath(name).read_text()


def _sections() -> dict[str, str]:
    parts = re.split(r"^\[(\w+)\]\n", _prompt("sections.md"), flags=re.MULTILINE)
    return {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts), 2)}


def verdict(node: Node) -> str:
    if node.status is NodeStatus.BASELINE:
        return "the baseline"
    if node.correct and node.speedup is not None:
        ci = node.evaluation.speedup_ci if node.evaluation else None
        ci_text = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
        return f"correct, speedup {node.speedup:.2f}x{ci_text}"
    return node.status.value.replace("_", " ")


class ObservationBuilder:
    """Builds the proposer's observation from the task, the tree and a parent node."""

    def __init__(self, config: ObservationConfig | None = None, device: str = "cpu") -> None:
        self.config = config or ObservationConfig()
        self.device = device
        self.sections = _sections()

    def build(self, task: Task, tree: SearchTree, parent: Node, *, draw_counts: dict[str, int],
              serial: int, seed: int, inspirations: list[Node] | None = None) -> Observation:
        family = task.family
        system = _prompt(f"{family}.system.md").strip()
        parts = []
        if self.config.task:
            device = self.device if self.device in DEVICE_HINTS else "cpu"
            parts.append(_prompt(f"{family}.task.md").format(
                baseline=task.baseline_source.rstrip("\n"), device=device,
                device_hint=DEVICE_HINTS[device]).strip())
        parts.extend(self._parent_parts(task, tree, parent))
        if self.config.inspirations and inspirations:
            parts.append(self.sections["inspirations"].format(
                inspirations=self._inspirations(inspirations, FENCE.get(task.language, ""))))
        messages = [{"role": "system", "content": system},
                    {"role": "user", "content": "\n\n".join(parts)}]
        prompt_hash = hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:16]
        return Observation(task=task, parent=parent, messages=messages, prompt_hash=prompt_hash,
                           draw=draw_counts.get(prompt_hash, 0), serial=serial, seed=seed,
                           meta={"device": self.device}, inspirations=list(inspirations or []))

    def _parent_parts(self, task: Task, tree: SearchTree, parent: Node) -> list[str]:
        cfg, s, out = self.config, self.sections, []
        is_root = parent.status is NodeStatus.BASELINE
        if cfg.history:
            history = self._history(tree, parent, FENCE.get(task.language, ""))
            if history:
                out.append(s["history"].format(history=history))
        if cfg.current and not is_root and parent.source:
            out.append(s["current"].format(node_id=parent.id, verdict=verdict(parent),
                                           fence=FENCE.get(task.language, ""),
                                           source=parent.source.rstrip("\n")))
        if cfg.feedback and not is_root:
            out.append(s["feedback"].format(feedback=self.feedback(parent)))
        if cfg.diagnosis and parent.diagnosis and parent.diagnosis.text:
            out.append(s["diagnosis"].format(diagnosis=parent.diagnosis.text.strip()))
        if cfg.y:
            out.append(s["y"].format(y=f"{parent.y:.2f}x" if parent.y > 0 else "none yet (0)"))
        return out

    def feedback(self, node: Node) -> str:
        ev = node.evaluation
        if ev is None:
            return f"{node.status.value}: {node.message}".strip(": ")
        lines = [f"status: {ev.status.value}", f"message: {ev.message}"]
        if ev.speedup is not None:
            lines.append(f"speedup: {ev.speedup:.3f}x (95% interval {ev.speedup_ci}, "
                         f"significant: {ev.significant})")
        if ev.baseline_time_s is not None and ev.candidate_time_s is not None:
            lines.append(f"time: baseline {ev.baseline_time_s:.4g}s, candidate {ev.candidate_time_s:.4g}s")
        if ev.mismatch is not None:
            m = ev.mismatch
            lines.append(f"first mismatch on {m.test} line {m.line}: expected {m.expected!r}, got {m.got!r}")
        for name, log in (("compiler output", ev.compile_log), ("runtime output", ev.runtime_log)):
            if log.strip():
                lines.append(f"{name}:\n{truncate(log, self.config.max_log_chars)}")
        return "\n".join(lines)

    def _history(self, tree: SearchTree, parent: Node, fence: str) -> str:
        """Attempts made from the parent's trajectory, oldest first."""
        lineage = tree.lineage(parent)
        on_path = {n.id for n in lineage}
        attempts = [n for n in tree.candidates() if n.parent_id in on_path and n.id != parent.id]
        attempts.sort(key=lambda n: n.id)
        full = attempts[-self.config.history_full:] if self.config.history_full > 0 else []
        older = attempts[: len(attempts) - len(full)][-self.config.history_summarized:]
        lines = [f"- node {n.id} (from node {n.parent_id}): {verdict(n)}" for n in older]
        for n in full:
            code = f"\n```{fence}\n{n.source.rstrip()}\n```" if n.source else ""
            lines.append(f"- node {n.id} (from node {n.parent_id}): {verdict(n)}{code}\n"
                         f"  feedback: {self.feedback(n)}")
        return "\n".join(lines)

    def _inspirations(self, nodes: list[Node], fence: str) -> str:
        """Each program with its verdict, in the order the strategy gave (deterministic, so
        the prompt hash is too)."""
        limit = self.config.max_inspiration_chars
        return "\n".join(f"- node {n.id}: {verdict(n)}\n```{fence}\n{truncate((n.source or '').rstrip(), limit)}\n```"
                         for n in nodes)
