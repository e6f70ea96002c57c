"""The kernel suites as `Suite` records, on top of `kernelbench_dir`'s loader.

`kernelbench` reads a real checkout (`suite.root`, `suite.level`), `kernelbench-cpu` the
built-in tree; both go through `load_kernelbench_dir`, which does the indexing and checks.
This module only adds what a Suite needs: the name, version and changelog from the tree's
`suite.yaml` when it has one, and several levels in one suite.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from maxcode.benchmarks.loaders.kernelbench_dir import (
    DEFAULT_SUITE,
    LEVELS,
    load_kernelbench_dir,
    read_subset_file,
    read_suite_index,
    resolve_root,
)
from maxcode.benchmarks.suite import Suite
from maxcode.records.errors import ConfigError

BUILTIN_ROOT = Path(__file__).resolve().parent.parent / "suites" / "kernelbench_cpu"


def load_kernelbench_suite(
    root: str | Path | None,
    level: int | Sequence[int] | None = None,
    ids: Sequence[int] | None = None,
    subset: Sequence[int] | None = None,
    subset_file: str | Path | None = None,
) -> Suite:
    """A KernelBench-format tree as a Suite; `level` None means every level folder present.

    `ids` and `subset` filter by problem id and need a single level (ids repeat across
    levels); `subset_file` is a YAML file of KernelBench's representative subset.
    """
    if root is None:
        raise ConfigError(
            "the kernelbench suite needs suite.root",
            "add suite.root=PATH/to/KernelBench suite.level=1",
        )
    base = resolve_root(root)
    levels = _levels(base, level)
    if (ids is not None or subset is not None or subset_file is not None) and len(levels) != 1:
        raise ConfigError(
            "suite.ids, suite.subset and suite.subset_file need a single suite.level",
            "set suite.level=1 (problem ids repeat across levels)",
        )
    if subset_file is not None:
        from_file = read_subset_file(subset_file, levels[0])
        subset = from_file if subset is None else [i for i in subset if i in set(from_file)]
    tasks = [t for lv in levels for t in load_kernelbench_dir(base, lv, ids=ids, subset=subset)]
    index = read_suite_index(base)
    if index is None:
        return Suite(
            name=DEFAULT_SUITE,
            version="external",
            tasks=tasks,
            description=f"KernelBench levels {levels} from {base}",
            source=str(base),
        )
    return Suite(
        name=index["name"],
        version=str(index["version"]),
        tasks=tasks,
        description=f"KernelBench-format problems, levels {levels}",
        changelog=list(index.get("changelog") or []),
        source=str(base),
    )


def load_kernelbench_cpu_suite(
    root: str | Path | None = None,
    level: int | Sequence[int] | None = None,
    ids: Sequence[int] | None = None,
) -> Suite:
    """The built-in kernelbench-cpu tree (or a copy of it at `root`)."""
    return load_kernelbench_suite(root if root is not None else BUILTIN_ROOT, level, ids=ids)


def _levels(base: Path, level: int | Sequence[int] | None) -> list[int]:
    if level is None:
        return [lv for lv in LEVELS if (base / f"level{lv}").is_dir()]
    if isinstance(level, int) and not isinstance(level, bool):
        return [level]
    if (
        isinstance(level, Sequence)
        and not isinstance(level, str)
        and all(isinstance(lv, int) for lv in level)
    ):
        return sorted(set(level))
    raise ConfigError(
        f"suite.level must be a level number or a list of them, got {level!r}", "use suite.level=1"
    )
