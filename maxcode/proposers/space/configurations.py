"""The configurations of one base program: which exist, which are legal, in what order to try them.

A configuration picks one option (or "off") on each axis that can apply to the base. It is
legal when every option it picks changes the program at its turn (applied in the order of
the dimensions); "off" everywhere is the base itself. Legality is decided by applying, so
the space never lists a program it cannot write.

Order: from a center configuration (the parent's), nearer configurations first (Hamming
distance: how many axes differ), and within one distance a draw seeded by the run seed, so
a search tries the neighbours of what it chose before wider jumps, and a resumed run walks
the same order.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from maxcode.proposers.space.dimensions import Dimension

Config = tuple[int, ...]
"""Per axis, the index of the picked option in `Axis.options`, or -1 for off."""

MAX_PER_DISTANCE = 50_000
"""Configurations drawn at one distance where there are more (a wide space's far shells)."""


@dataclass(frozen=True)
class Axis:
    """A dimension with the options that can apply to the base."""

    dimension: Dimension
    options: tuple[int, ...]
    """Indices into `dimension.options`."""


class Space:
    """Every configuration of one base program over the dimensions of its language."""

    def __init__(self, base: str, dimensions: tuple[Dimension, ...]) -> None:
        self.base = base
        self.axes = self._axes(base, dimensions)
        self._programs: dict[Config, str | None] = {}

    @staticmethod
    def _axes(base: str, dimensions: tuple[Dimension, ...]) -> tuple[Axis, ...]:
        # An option counts if it applies to the base or to the base with the earlier axes'
        # first options applied (`num_threads` needs the pragma a schedule adds).
        axes, stacked = [], base
        for dim in dimensions:
            usable = tuple(i for i, option in enumerate(dim.options)
                           if _changes(option.apply, base) or _changes(option.apply, stacked))
            if usable:
                axes.append(Axis(dim, usable))
                stacked = _applied(dim.options[usable[0]].apply, stacked) or stacked
        return tuple(axes)

    @property
    def size(self) -> int:
        """Configurations before legality (the product of the axes' option counts, off included)."""
        n = 1
        for axis in self.axes:
            n *= len(axis.options) + 1
        return n

    def off(self) -> Config:
        return (-1,) * len(self.axes)

    def program(self, config: Config) -> str | None:
        """The source of `config`, or None where it is not legal."""
        if config not in self._programs:
            source: str | None = self.base
            for axis, pick in zip(self.axes, config, strict=True):
                if pick >= 0 and source is not None:
                    source = _applied(axis.dimension.options[axis.options[pick]].apply, source)
            self._programs[config] = source
        return self._programs[config]

    def describe(self, config: Config) -> dict[str, str]:
        """{dimension: option value} of the axes `config` turns on."""
        return {axis.dimension.name: axis.dimension.options[axis.options[pick]].value
                for axis, pick in zip(self.axes, config, strict=True) if pick >= 0}

    def config_of(self, described: dict[str, str]) -> Config | None:
        """The configuration `describe` gave `described`; None if an axis or value is not here."""
        config, left = [], dict(described)
        for axis in self.axes:
            value = left.pop(axis.dimension.name, None)
            values = [axis.dimension.options[i].value for i in axis.options]
            if value is not None and value not in values:
                return None
            config.append(values.index(value) if value is not None else -1)
        return tuple(config) if not left else None

    def order(self, center: Config, seed: int) -> Iterator[Config]:
        """Every configuration but `center`, nearer ones first (see the module docstring)."""
        n = len(self.axes)
        for distance in range(1, n + 1):
            shell = list(itertools.islice(self._shell(center, distance), MAX_PER_DISTANCE))
            shell.sort(key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).digest())
            yield from shell

    def _shell(self, center: Config, distance: int) -> Iterator[Config]:
        for moved in itertools.combinations(range(len(self.axes)), distance):
            choices = [[v for v in range(-1, len(self.axes[i].options)) if v != center[i]] for i in moved]
            for values in itertools.product(*choices):
                config = list(center)
                for i, v in zip(moved, values, strict=True):
                    config[i] = v
                yield tuple(config)

    def count(self, limit: int) -> tuple[int, bool]:
        """(distinct legal programs, whether that is all of them) over up to `limit`
        configurations in the order from "off"."""
        seen = {self.base}
        configs = itertools.islice(self.order(self.off(), 0), limit)
        exhaustive = self.size - 1 <= limit
        for config in configs:
            program = self.program(config)
            if program is not None:
                seen.add(program)
        return len(seen), exhaustive


def _applied(apply, source: str) -> str | None:
    """`apply(source)` where it changes the program (a rewrite that raises does not apply)."""
    try:
        new = apply(source)
    except Exception:  # a source the scanner cannot follow
        return None
    return new if new is not None and new != source else None


def _changes(apply, source: str) -> bool:
    return _applied(apply, source) is not None
