"""The `Suite` record and the registry of suite names users type.

A suite is a named, versioned list of tasks. Users pick one by name (`maxcode suite show
pie-mini`, `maxcode sweep suite=pie-mini`); the registry maps that name to its Hydra option
in `conf/suite/` (which holds the loader's `_target_` and options) and to a one-line
description. Everything else is wired by Hydra: the registry only knows names.

A mistyped name is a `UserError` that lists the close matches and every available name.
Registering a name or alias twice is an error, so two suites can never answer to one name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from maxcode.benchmarks.task import Task
from maxcode.records.errors import InternalError, UserError


@dataclass
class Suite:
    """A named, versioned list of tasks, as a loader returns it."""

    name: str
    """The registry name (`pie-mini`), also the prefix of its task ids."""
    version: str
    """Suite version, bumped on breaking changes (`1`); `external` for benchmarks we only read."""
    tasks: list[Task]
    """The selected tasks, in the loader's sorted order."""
    description: str = ""
    """One paragraph on what the suite holds."""
    changelog: list[str] = field(default_factory=list)
    """`version: what changed` lines, oldest first (built-in suites only)."""
    source: str = ""
    """Where it was read from (a directory or a jsonl file)."""

    def task(self, task_id: str) -> Task:
        """The task with this id (or id suffix after `name/`); close matches on a miss."""
        by_id = {t.id: t for t in self.tasks}
        if task_id in by_id:
            return by_id[task_id]
        qualified = f"{self.name}/{task_id}"
        if qualified in by_id:
            return by_id[qualified]
        short = [t.id.removeprefix(f"{self.name}/") for t in self.tasks]
        raise UserError(
            f"suite {self.name!r} has no task {task_id!r}{did_you_mean(task_id, short)}",
            f"task ids: {', '.join(short)}",
        )


@dataclass(frozen=True)
class SuiteSpec:
    """A registry entry: a name users type and the config option that loads it."""

    name: str
    """The name users type (`pie-mini`)."""
    option: str
    """The option of the `suite` config group: `conf/suite/<option>.yaml`."""
    description: str
    """One line for `maxcode suite list`."""
    aliases: tuple[str, ...] = ()
    """Other names accepted for it (e.g. the option name `pie_mini`)."""
    needs: tuple[str, ...] = ()
    """Options the user must set (`suite.root`, ...), shown by `suite list`."""


class SuiteRegistry:
    """Suite names (and aliases) -> `SuiteSpec`; duplicates are errors."""

    def __init__(self) -> None:
        self._specs: dict[str, SuiteSpec] = {}
        self._names: dict[str, str] = {}  # name or alias -> canonical name

    def register(self, spec: SuiteSpec) -> SuiteSpec:
        for key in (spec.name, *spec.aliases):
            if key in self._names:
                raise InternalError(
                    f"suite name {key!r} of {spec.name!r} is already registered for {self._names[key]!r}"
                )
        self._specs[spec.name] = spec
        for key in (spec.name, *spec.aliases):
            self._names[key] = spec.name
        return spec

    def get(self, name: str) -> SuiteSpec:
        """The spec of `name` or one of its aliases; a UserError with close matches otherwise."""
        if name in self._names:
            return self._specs[self._names[name]]
        raise UserError(
            f"unknown suite {name!r}{did_you_mean(name, list(self._names))}",
            f"available suites: {', '.join(self.names())}",
        )

    def names(self) -> list[str]:
        """Canonical names, sorted."""
        return sorted(self._specs)

    def specs(self) -> list[SuiteSpec]:
        return [self._specs[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._names


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


SUITES = SuiteRegistry()
"""The suites MaxCode knows by name."""

SUITES.register(
    SuiteSpec(
        name="pie-mini",
        option="pie_mini",
        aliases=("pie_mini",),
        description="built-in: 15 C++ problems in PIE's layout with faster/marginal/slower/wrong variants",
    )
)
SUITES.register(
    SuiteSpec(
        name="pie",
        option="pie",
        description="a real PIE split: jsonl of (slow, fast) pairs plus CodeNet test cases",
        needs=("suite.jsonl", "suite.tests_root"),
    )
)
SUITES.register(
    SuiteSpec(
        name="kernelbench",
        option="kernelbench",
        description="a real KernelBench checkout, one level at a time",
        needs=("suite.root", "suite.level"),
    )
)
SUITES.register(
    SuiteSpec(
        name="kernelbench-cpu",
        option="kernelbench_cpu",
        aliases=("kernelbench_cpu",),
        description="built-in: KernelBench-format problems at CPU sizes with cpu/cuda/wrong/slow variants",
    )
)
SUITES.register(
    SuiteSpec(
        name="builtin",
        option="builtin",
        description="built-in: pie-mini and kernelbench-cpu together (both task families)",
    )
)


def get_suite_spec(name: str) -> SuiteSpec:
    """The registry entry of a suite name users typed."""
    return SUITES.get(name)
