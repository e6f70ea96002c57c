"""`proposer=rewrites`: proposes known source-to-source rewrites of the parent program.

No model: each candidate is the parent with one named rewrite applied (one file per family:
`cpp_io`, `cpp_containers`, `cpp_loops` for C++ programs; `kernel_cpu`, `kernel_cuda` for
`load_inline` kernels). Combinations happen by stacking over steps: a rewrite already
applied on the path to the parent is not proposed again.

Order of the applicable rewrites for a parent: those targeting the bottleneck its diagnosis
names (`critique=rules` tags `io`, `container`, `allocation`, `hot_loop`, `compute_bound`...)
first, each group in a draw seeded by the run seed and the parent's program and weighted
by each rewrite's prior odds; sample j for a
parent is the j-th of that order, so a run and its resume propose the same rewrites. A
parent where nothing (more) applies gets fewer candidates, possibly none.

Crossover: when the observation carries inspirations (strategy=evolve's elites of other
cells and islands), the rewrites on their paths that apply to the parent come first, before
the bottleneck's; such a reply's meta names the inspiration in `crossover_from`.

Replies name the rewrites and are recorded with model `rewrites`; the node's
`proposer.meta` holds `rewrites` (this step's) and `rewrites_path` (all on the path).
"""

from __future__ import annotations

import difflib
import logging
import math
import random
from typing import Any

from maxcode.errors import ConfigError
from maxcode.observation import Observation
from maxcode.proposers.base import Reply
from maxcode.proposers.rewrites import cpp_containers, cpp_io, cpp_loops, kernel_cpu, kernel_cuda
from maxcode.proposers.rewrites.base import Rewrite
from maxcode.records.node import Node

log = logging.getLogger(__name__)

CATALOG: dict[str, Rewrite] = {
    r.name: r for family in (cpp_io, cpp_containers, cpp_loops, kernel_cpu, kernel_cuda)
    for r in family.REWRITES}
"""Every rewrite by name."""

# Words of a diagnosis text that name a bottleneck, for diagnoses without tags (LLM critic).
KEYWORDS = {
    "io": ("i/o", "input/output", "sync_with_stdio", "endl", "cin", "cout"),
    "container": ("container", "map", "std::set", "deque", "list", "hash"),
    "allocation": ("allocation", "reserve", "copy", "copies"),
    "hot_loop": ("hot loop", "loop", "hoist"),
    "compute_bound": ("compute-bound", "compute bound", "vectorize", "parallelize"),
    "memory_bound": ("memory-bound", "memory bound", "bandwidth"),
}


def check_names(names: list[str] | None, what: str) -> list[str]:
    """`names` if all are known rewrites; else a ConfigError listing the known ones."""
    unknown = [n for n in names or [] if n not in CATALOG]
    if unknown:
        close = sorted({m for n in unknown for m in difflib.get_close_matches(n, CATALOG, n=2)})
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise ConfigError(f"unknown rewrite{'s' if len(unknown) > 1 else ''} in {what}: {', '.join(unknown)}",
                          f"{hint}known rewrites: {', '.join(sorted(CATALOG))}")
    return list(names or [])


def bottlenecks(node: Node) -> list[str]:
    """What the parent's diagnosis says limits it: its `bottleneck` tag, else keywords."""
    diagnosis = node.diagnosis
    if diagnosis is None:
        return []
    tag = diagnosis.tags.get("bottleneck") if isinstance(diagnosis.tags, dict) else None
    if tag:
        return [str(tag)]
    text = " ".join([diagnosis.text, *diagnosis.suggestions]).lower()
    return [kind for kind, words in KEYWORDS.items() if any(w in text for w in words)]


def path_of(node: Node) -> list[str]:
    """The rewrites applied on the path to `node` (as its proposer recorded them)."""
    path = node.proposer.meta.get("rewrites_path") if node.proposer.meta else None
    return [str(n) for n in path] if isinstance(path, list) else []


class RewritesProposer:
    """Applies known rewrites to the parent: one candidate per rewrite."""

    model = "rewrites"

    def __init__(self, only: list[str] | None = None, exclude: list[str] | None = None,
                 steer: bool = True) -> None:
        """`only`: restrict to these rewrites; `exclude`: never these; `steer`: order by the
        parent's diagnosis (else the seeded draw alone)."""
        only_names = check_names(only, "proposer.only")
        excluded = set(check_names(exclude, "proposer.exclude"))
        self.rewrites = [r for r in CATALOG.values()
                         if (not only_names or r.name in only_names) and r.name not in excluded]
        self.steer = steer
        self._proposed: dict[tuple[int, str | None], set[str]] = {}

    def applicable(self, node: Node, language: str) -> list[tuple[Rewrite, str]]:
        """(rewrite, rewritten source) for each rewrite that changes `node`'s program and is
        not already on its path; a rewrite that fails on the source counts as not applying."""
        source = node.source or ""
        done = {CATALOG[n].key for n in path_of(node) if n in CATALOG}
        out = []
        for rewrite in self.rewrites:
            if rewrite.language != language or rewrite.key in done:
                continue
            try:
                new = rewrite.apply(source)
            except Exception:  # a source the scanner cannot follow: the rewrite does not apply
                log.warning("rewrite %s failed on node %d's program", rewrite.name, node.id, exc_info=True)
                continue
            if new is not None and new != source:
                out.append((rewrite, new))
        return out

    def order(self, node: Node, language: str, seed: int,
              borrowed: dict[str, int] | None = None) -> list[tuple[Rewrite, str]]:
        """The applicable rewrites: those in `borrowed` (rewrite -> the inspiration it is
        on) first, then those targeting the diagnosed bottleneck."""
        found = self.applicable(node, language)
        # A weighted draw without replacement (exponential race): heavier rewrites tend first.
        rng = random.Random(f"{seed}:{node.source_hash}")
        keys = {pair[0].name: -math.log(1.0 - rng.random()) / pair[0].weight for pair in found}
        found.sort(key=lambda pair: keys[pair[0].name])
        wanted = bottlenecks(node) if self.steer else []
        borrowed = borrowed or {}
        return sorted(found, key=lambda pair: (pair[0].name not in borrowed,
                                               not any(t in wanted for t in pair[0].targets)))

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        parent = observation.parent
        borrowed = {name: n.id for n in reversed(observation.inspirations) for name in path_of(n)}
        order = self.order(parent, observation.task.language, observation.seed, borrowed)
        # In-process, the rewrites already proposed from this parent are skipped; a fresh
        # process (a resumed run) skips the parent's earlier samples by the observation's draw
        # (less the samples other members of a mix drew in this request).
        seen = self._proposed.setdefault((parent.id, parent.source_hash), set())
        fresh = [pair for pair in order if pair[0].name not in seen]
        start = 0 if seen else max(0, observation.draw - int(observation.meta.get("mix_given", "0")))
        picked = fresh[start:start + k]
        path = path_of(parent)
        fence = "cpp" if observation.task.language == "cpp" else "python"
        replies = []
        for rewrite, source in picked:
            seen.add(rewrite.name)
            on_top = f" (on top of: {', '.join(path)})" if path else ""
            text = (f"Rewrite `{rewrite.name}`: {rewrite.summary}{on_top}. Applied by the rewrites "
                    f"proposer (a known transformation, not a model's output).\n\n"
                    f"```{fence}\n{source.rstrip()}\n```\n")
            meta: dict[str, Any] = {"rewrites": [rewrite.name], "rewrites_path": [*path, rewrite.name],
                                    "steered_by": bottlenecks(parent) if self.steer else []}
            if rewrite.name in borrowed:
                meta["crossover_from"] = borrowed[rewrite.name]
            replies.append(Reply(text=text, model=self.model, meta=meta))
        if len(picked) < k:
            log.info("rewrites: %d of %d candidates for node %d (%d applicable rewrites left)",
                     len(picked), k, parent.id, len(fresh))
        return replies


__all__ = ["CATALOG", "RewritesProposer", "check_names"]
