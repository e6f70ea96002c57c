"""`proposer=space`: every legal combination of what the project knows how to do, with parameters.

Where `proposer=rewrites` offers one rewrite at a time, this proposer offers the space of
their combinations (maxcode/proposers/space/dimensions.py: C++ rewrites with pragma levels;
OpenMP schedules and thread counts, unroll factors, tile scales, `-O` levels for CPU
`load_inline` kernels), so a step can offer 16-64 programs and the ranker decides which
few are judged (`loop.rank_keep`): the setting where a learned cost model has work to do.

Bases. A configuration is always of a base program: the parent itself, unless the parent
came from this proposer (then its base, so configurations stay comparable across a run), or
the parent is a PyTorch reference with no `load_inline` kernel. A reference's bases are the
task's library programs (maxcode/proposers/library.py) for the run's device, and its forward
traced to the C++ of its own ATen calls (`traced`, maxcode/proposers/space/aten_trace.py),
whose calls the space then fuses and re-lays-out: that is what a KernelBench file with no
library program gets. Walks over several bases are taken in turn.

Order: the neighbours of the parent's configuration first (see configurations.py), each
program once per run; a resumed run skips the parent's earlier samples by the observation's
draw, as `proposer=rewrites` does. Replies carry their configuration as fields
(`meta["space"] = {"base", "config"}`) for the rankers, not only as text.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

from maxcode.benchmarks.task import Task
from maxcode.errors import ProposerUnavailable
from maxcode.observation import Observation
from maxcode.proposers.base import Reply
from maxcode.proposers.library import find_variants
from maxcode.proposers.space.configurations import Config, Space
from maxcode.proposers.space.dimensions import DIMENSIONS
from maxcode.records.node import Node

log = logging.getLogger(__name__)

PARENT = "parent"
"""The base label of a space over the parent program itself."""
TRACED = "traced"
"""The base label of a reference's forward traced to its ATen calls."""


class SpaceProposer:
    """Proposes the configurations nearest the parent's, each program once per run."""

    model = "space"

    def __init__(self, variants: str | None = None) -> None:
        """`variants`: a directory of base programs for references with no kernel (else the
        task's library programs)."""
        self.variants_dir = Path(variants) if variants else None
        self._spaces: dict[tuple[str, str], Space] = {}
        """(base label, base source hash) -> its space."""
        self._offered: set[str] = set()
        """Hashes of the programs proposed in this process (any parent)."""

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        walks = self._walks(observation)
        picked: list[tuple[str, Space, Config, str]] = []
        skip = observation.draw - int(observation.meta.get("mix_given", "0")) if not self._offered else 0
        for label, space, config, program in _round_robin(walks):
            digest = hashlib.sha256(program.encode()).hexdigest()
            if digest in self._offered:
                continue
            if skip > 0:  # a resumed run: this parent's earlier samples
                skip -= 1
                continue
            self._offered.add(digest)
            picked.append((label, space, config, program))
            if len(picked) == k:
                break
        if len(picked) < k:
            log.info("space: %d of %d candidates for node %d (the space is spent)",
                     len(picked), k, observation.parent.id)
        fence = "cpp" if observation.task.language == "cpp" else "python"
        return [self._reply(label, space, config, program, fence) for label, space, config, program in picked]

    def spaces(self, parent: Node, observation: Observation) -> list[tuple[str, Space]]:
        """The (base label, space) pairs a parent's configurations come from."""
        language = observation.task.language
        dims = DIMENSIONS.get(language, ())
        source = parent.source or ""
        recorded = _recorded(parent)
        if recorded is not None:
            key = (recorded.get("base"), recorded.get("base_hash"))
            if key not in self._spaces and key[0] != PARENT and language == "python":
                for label, text in _reference_bases(observation.task, observation.meta.get("device"),
                                                    self.variants_dir):  # a resumed run
                    self._space(label, text, dims)
            if key in self._spaces:
                return [(key[0], self._spaces[key])]
            # A base this process never saw (a resumed run over a parent-based space): the
            # parent becomes a base of its own.
        return [self._space(label, text, dims) for label, text in
                bases(observation.task, source, observation.meta.get("device"), self.variants_dir)]

    def _space(self, label: str, source: str, dims) -> tuple[str, Space]:
        key = (label, _digest(source))
        if key not in self._spaces:
            self._spaces[key] = Space(source, dims)
        return label, self._spaces[key]

    def _walks(self, observation: Observation) -> list[Iterator[tuple[str, Space, Config, str]]]:
        parent = observation.parent
        recorded = _recorded(parent)
        walks = []
        for label, space in self.spaces(parent, observation):
            center = space.off()
            if recorded is not None and recorded.get("base") == label:
                center = space.config_of(recorded.get("config") or {}) or center
            walks.append(_legal(label, space, center, observation.seed, parent.source or ""))
        return walks

    def _reply(self, label: str, space: Space, config: Config, program: str, fence: str) -> Reply:
        described = space.describe(config)
        settings = ", ".join(f"{k}={v}" for k, v in described.items()) or "none (the base as it is)"
        base = {PARENT: "the parent", TRACED: "the reference's forward traced to its ATen calls"}.get(
            label, f"the library program `{label}`")
        text = (f"Configuration of {base}: {settings}. Written by the space proposer (known "
                f"transformations combined, not a model's output).\n\n```{fence}\n{program.rstrip()}\n```\n")
        meta = {"space": {"base": label, "base_hash": _digest(space.base), "config": described},
                "rewrites": [f"{k}={v}" for k, v in described.items()]}
        return Reply(text=text, model=self.model, meta=meta)


def space_size(task: Task, device: str = "cpu", limit: int = 256) -> tuple[int, bool]:
    """(distinct programs this proposer can write from the task's own program, whether that
    is all of them), over up to `limit` configurations of each base; (0, True) where it has
    no base (a kernel reference with no library program)."""
    source = task.baseline_source or ""
    try:
        found = bases(task, source, device, None)
    except ProposerUnavailable:
        return 0, True
    total, exhaustive = 0, True
    for _, base in found:
        n, complete = Space(base, DIMENSIONS.get(task.language, ())).count(limit)
        total, exhaustive = total + n - (base == source), exhaustive and complete
    return total, exhaustive


def bases(task: Task, source: str, device: str | None, variants_dir: Path | None) -> list[tuple[str, str]]:
    """(label, source) of the programs a parent with `source` is configured from: itself, or
    for a kernel reference with no `load_inline` kernel, the task's library programs and its
    traced forward."""
    if task.language == "python" and "load_inline" not in source:
        return _reference_bases(task, device, variants_dir, source)
    return [(PARENT, source)]


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _recorded(parent: Node) -> dict | None:
    """The parent's configuration, where this proposer wrote it."""
    meta = parent.proposer.meta if parent.proposer else None
    recorded = (meta or {}).get("space")
    return recorded if isinstance(recorded, dict) else None


def _legal(label: str, space: Space, center: Config, seed: int,
           parent_source: str) -> Iterator[tuple[str, Space, Config, str]]:
    """The legal configurations of `space` in order from `center`, the center itself first
    where it is not the parent's own program (a library base is a program to try)."""
    for config in itertools.chain([center], space.order(center, seed)):
        program = space.program(config)
        if program is not None and program != parent_source:
            yield label, space, config, program


def _round_robin(walks: list[Iterator]) -> Iterator:
    """One from each walk in turn, until all are spent."""
    while walks:
        for walk in list(walks):
            item = next(walk, None)
            if item is None:
                walks.remove(walk)
            else:
                yield item


def _reference_bases(task: Task, device: str | None, variants_dir: Path | None,
                     source: str | None = None) -> list[tuple[str, str]]:
    """(label, source) of a kernel reference's bases: the task's library programs for the
    run's device, then its traced forward."""
    reference = task.baseline_source or "" if source is None else source
    found: list[tuple[str, str]] = []
    why = []
    try:
        files, _ = find_variants(task, variants_dir, device=device)
        found += [(Path(f).stem, Path(f).read_text()) for f in files]
    except ProposerUnavailable as exc:
        why.append(exc.cause)
    traced, cause = traced_base(reference)
    if traced is not None:
        found.append((TRACED, traced))
    else:
        why.append(f"its forward could not be traced to ATen calls ({cause})")
    if not found:
        raise ProposerUnavailable(
            f"proposer=space has no base program for {task.id}: its reference has no "
            f"load_inline kernel, {'; and '.join(why)}",
            "start from a program with a load_inline kernel, or pass proposer.variants=DIR")
    return found


@functools.lru_cache(maxsize=16)
def traced_base(reference: str) -> tuple[str | None, str]:
    """(the reference's forward as a load_inline program of its own ATen calls, annotated for
    the traced rewrites; or None, and why). Tracing runs the problem's constructor: kept per
    reference so a search's steps trace it once."""
    from maxcode.proposers.space import aten_trace  # torch: imported when a reference is traced

    try:
        traced = aten_trace.trace(reference, annotate=True)
    except Exception as exc:  # noqa: BLE001 - the reference is any user's PyTorch program
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    name = f"maxcode_traced_{_digest(reference)[:12]}"
    note = "Written by MaxCode's space proposer: the forward traced to the C++ of its ATen calls."
    return aten_trace.program(reference, traced, name, note), ""


__all__ = ["SpaceProposer", "space_size"]
