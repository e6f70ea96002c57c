"""`proposer=library`: proposes program variants shipped on disk; the retrieval baseline.

Works offline. Variants come from `variants=DIR` or, by default, from the `variants/`
directory beside the task's baseline file (the layout of the built-in suites). Sample j of
the run is variant j modulo their number, in name order, so a run (and its resume) is
deterministic. Replies say they are library files: they are not a model's output.
"""

from __future__ import annotations

import logging
from pathlib import Path

from maxcode.errors import ProposerUnavailable
from maxcode.observation import Observation
from maxcode.proposers.base import Reply

log = logging.getLogger(__name__)

EXTENSIONS = {"cpp": (".cpp", ".cc", ".cxx"), "python": (".py",)}


class LibraryProposer:
    """Cycles through the variant files of a task."""

    model = "library"

    def __init__(self, variants: str | None = None) -> None:
        self.variants_dir = Path(variants) if variants else None
        self._variants: list[Path] | None = None

    def _load(self, observation: Observation) -> list[Path]:
        if self._variants is not None:
            return self._variants
        task = observation.task
        directory = self.variants_dir
        if directory is None and task.source_path:
            directory = Path(task.source_path).parent / "variants"
        exts = EXTENSIONS.get(task.language, ())
        files = sorted(p for p in directory.iterdir() if p.suffix in exts) if directory and directory.is_dir() else []
        if not files:
            raise ProposerUnavailable(
                f"proposer=library found no {'/'.join(exts)} variants in {directory or '(no directory)'}",
                "pass proposer.variants=DIR with candidate programs, or use an LLM proposer")
        log.info("library: %d variants from %s", len(files), directory)
        self._variants = files
        return files

    def propose(self, observation: Observation, k: int) -> list[Reply]:
        files = self._load(observation)
        fence = "cpp" if observation.task.language == "cpp" else "python"
        replies = []
        for i in range(k):
            path = files[(observation.serial + i) % len(files)]
            text = (f"Library variant `{path.name}` (a file shipped with the task, not a model's "
                    f"output).\n\n```{fence}\n{path.read_text().rstrip()}\n```\n")
            replies.append(Reply(text=text, model=self.model, calls=1 if i == 0 else 0,
                                 meta={"variant": str(path)}))
        return replies
