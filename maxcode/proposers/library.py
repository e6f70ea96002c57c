"""`proposer=library`: proposes program variants shipped on disk; the retrieval baseline.

Works offline. Where the variants come from, first match wins:
1. `variants=DIR`: every file of the task's language in DIR.
2. The task's own metadata (`metadata["variants"]`, `{label: {..., "path"}}`): what the
   suite loaders record for every built-in problem.
3. The suite index above the task file: a task loaded from a single file
   (`maxcode optimize benchmarks/suites/kernelbench_cpu/level2/4_Scale_Softmax_Scale.py`)
   carries no metadata, so the suite whose `suite.yaml` sits above it is loaded and the
   problem with the same file gives its variants (each suite lays them out its own way).
4. A `variants/` directory beside the task file.

Variants recorded for another device than the run's (a suite's `cuda` variant on a
`device=cpu` run) are left out: they cannot build there, and each would spend an evaluation
on a certain `compile_error`. Sample j of the run is variant j modulo their number, in label
(or name) order, so a run (and its resume) is deterministic. With `cycle=false` each variant
is proposed once and the proposer then has nothing more (in `proposer=mix` the other members
get its share: library first-generation programs, then rewrites on top of them, instead of
library duplicates taking a sample of every later request). Replies say they are library
files: not a model's output.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from maxcode.benchmarks.task import Task
from maxcode.errors import ProposerUnavailable, UserError
from maxcode.observation import Observation
from maxcode.proposers.base import Reply

log = logging.getLogger(__name__)

EXTENSIONS = {"cpp": (".cpp", ".cc", ".cxx"), "python": (".py",)}
SUITE_INDEX = "suite.yaml"


class LibraryProposer:
    """Cycles through the variant files of a task."""

    model = "library"

    def __init__(self, variants: str | None = None, cycle: bool = True) -> None:
        self.variants_dir = Path(variants) if variants else None
        self.cycle = cycle
        self._variants: list[Path] | None = None
        self._proposed = 0
        """Variants handed out so far (cycle=false); a resumed run proposes them again as
        duplicates, which cost no evaluation."""

    def _load(self, observation: Observation) -> list[Path]:
        if self._variants is None:
            files, where = find_variants(observation.task, self.variants_dir,
                                         device=observation.meta.get("device"))
            log.info("library: %d variants from %s", len(files), where)
            self._variants = files
        return self._variants

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        files = self._load(observation)
        fence = "cpp" if observation.task.language == "cpp" else "python"
        if self.cycle:
            picks = [files[(observation.serial + i) % len(files)] for i in range(k)]
        else:
            picks = files[self._proposed:self._proposed + k]
            self._proposed += len(picks)
        replies = []
        for i, path in enumerate(picks):
            text = (f"Library variant `{path.name}` (a file shipped with the task, not a model's "
                    f"output).\n\n```{fence}\n{path.read_text().rstrip()}\n```\n")
            replies.append(Reply(text=text, model=self.model, calls=1 if i == 0 else 0,
                                 meta={"variant": str(path)}))
        return replies


def find_variants(task: Task, variants_dir: Path | None = None,
                  device: str | None = None) -> tuple[list[Path], str]:
    """The task's variant files and where they were found; ProposerUnavailable if none.
    With `device`, recorded variants for another device are left out (files in a directory
    carry no device and are all kept)."""
    exts = EXTENSIONS.get(task.language, ())
    if variants_dir is not None:
        return _require(_files_in(variants_dir, exts), str(variants_dir), exts)
    recorded = _from_metadata(task.metadata, exts, device)
    if recorded:
        return recorded, f"the task's metadata ({task.id})"
    if _from_metadata(task.metadata, exts):
        return _require([], f"the task's metadata ({task.id})", exts, device)
    if not task.source_path:
        return _require([], "(the task has no file and no recorded variants)", exts)
    source = Path(task.source_path).resolve()
    indexed = _from_suite_index(task, source, exts, device)
    if indexed is not None:
        files, index = indexed
        return _require(files, f"the suite index {index}", exts, device)
    beside = source.parent / "variants"
    return _require(_files_in(beside, exts), str(beside), exts)


def _require(files: list[Path], where: str, exts: tuple[str, ...],
             device: str | None = None) -> tuple[list[Path], str]:
    if not files:
        for_device = f" for device={device}" if device else ""
        raise ProposerUnavailable(
            f"proposer=library found no {'/'.join(exts)} variants{for_device} in {where}",
            "pass proposer.variants=DIR with candidate programs, or use an LLM proposer")
    return files, where


def _files_in(directory: Path, exts: tuple[str, ...]) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in exts and p.is_file())


def _from_metadata(metadata: dict[str, Any], exts: tuple[str, ...], device: str | None = None) -> list[Path]:
    variants = metadata.get("variants")
    if not isinstance(variants, dict):
        return []
    paths = [Path(spec["path"]) for _, spec in sorted(variants.items())
             if isinstance(spec, dict) and isinstance(spec.get("path"), str)
             and (device is None or spec.get("device", device) == device)]
    return [p for p in paths if p.suffix in exts and p.is_file()]


def _from_suite_index(task: Task, source: Path, exts: tuple[str, ...],
                      device: str | None = None) -> tuple[list[Path], Path] | None:
    """Variants of the problem with this baseline file in the suite above it, or None."""
    root = next((d for d in source.parents if (d / SUITE_INDEX).is_file()), None)
    if root is None:
        return None
    try:
        suite = _load_suite(task.family, root)
    except UserError as exc:
        log.warning("library: %s does not load as a %s suite (%s); looking beside the task file",
                    root / SUITE_INDEX, task.family, exc)
        return None
    for other in suite.tasks:
        if other.source_path and Path(other.source_path).resolve() == source:
            return _from_metadata(other.metadata, exts, device), root / SUITE_INDEX
    return None


def _load_suite(family: str, root: Path) -> Any:
    # Imported here: loading a suite is only needed for tasks given as a single file.
    if family == "kernel":
        from maxcode.benchmarks.loaders.kernelbench_suite import load_kernelbench_suite

        return load_kernelbench_suite(root)
    from maxcode.benchmarks.loaders.builtin_pie import load_pie_mini

    return load_pie_mini(root)
