"""The sweep's command line -> a `SweepDefinition`: what to run, before anything is composed.

Tokens use Hydra's override syntax. A token with several values (`seed=0,1,2`,
`experiment=best_of_n,fsr`, `seed=range(0,3)`) is a grid axis; any other token applies to
every run. A few keys belong to the sweep itself and never reach a run's config:

    suite=NAME, suite.*=...        which tasks (a registry name and its loader's options)
    sweep=PRESET                   a preset under conf/sweep/ (its grid, then the command's tokens)
    sweep_dir=DIR                  where the sweep lives (default: derived from the definition)
    executor=local|ray, executor.*=...   how runs are executed (may change between resumes)
    tracker=none|mlflow|wandb, tracker.*=...   where the sweep is logged (may change too)

A preset may also name `methods`: override sets that form one axis together (an ablation
is "the full method minus one part", which a cartesian grid cannot say); each one's key is
the method's name in the results.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from maxcode.benchmarks.suite import did_you_mean
from maxcode.config import CONF_DIR
from maxcode.errors import ConfigError

PRESET_DIR = CONF_DIR / "sweep"
PRESET_FIELDS = ("suite", "suite_options", "grid", "methods", "overrides")


@dataclass
class SweepDefinition:
    """What a sweep runs; `identity()` is what a resumed sweep must repeat exactly."""

    suite: str | None = None
    """Suite registry name (`pie-mini`); None for `maxcode optimize PATH -m`."""
    task_path: str | None = None
    """The single task file of `maxcode optimize PATH -m` (absolute)."""
    suite_overrides: list[str] = field(default_factory=list)
    """`suite.*` tokens: the loader's options (`suite.ids=[...]`)."""
    axes: dict[str, list[str]] = field(default_factory=dict)
    """Grid axes: key element (as typed, `+key` included) -> values, in command order."""
    methods: dict[str, list[str]] = field(default_factory=dict)
    """A preset's named override sets (one axis); empty when the preset has none."""
    base: list[str] = field(default_factory=list)
    """Tokens applied to every run."""
    sweep_dir: str | None = None
    executor: list[str] = field(default_factory=list)
    """`executor=` and `executor.*` tokens."""
    tracker: list[str] = field(default_factory=list)
    """`tracker=` and `tracker.*` tokens: the driver logs the sweep; runs track nothing."""
    preset: str | None = None

    def identity(self) -> dict[str, Any]:
        return {"suite": self.suite, "task_path": self.task_path,
                "suite_overrides": sorted(self.suite_overrides),
                "axes": {k: list(v) for k, v in sorted(self.axes.items())},
                "methods": {k: list(v) for k, v in sorted(self.methods.items())},
                "base": sorted(self.base)}

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:10]

    def points(self) -> list[list[str]]:
        """Every grid point as a list of override tokens (methods first, then the axes)."""
        method_sets = [[*tokens, f"name={name}"] for name, tokens in self.methods.items()] or [[]]
        keys = list(self.axes)
        combos = list(itertools.product(*(self.axes[k] for k in keys))) if keys else [()]
        return [[*m, *(f"{k}={v}" for k, v in zip(keys, combo, strict=True))]
                for m in method_sets for combo in combos]

    def label_axes(self) -> list[str]:
        """Axes that distinguish methods beyond their name (not experiment, strategy, name, seed)."""
        return [k for k in self.axes if k.lstrip("+~") not in ("experiment", "strategy", "name", "seed")]


def _sweep_key(key: str) -> str | None:
    """Which sweep-level setting a key is, or None for a run's own key."""
    bare = key.lstrip("+~")
    for top in ("suite", "executor", "tracker"):
        if bare == top or bare.startswith(top + "."):
            return top
    if bare in ("sweep", "sweep_dir"):
        return bare
    return None


def load_preset(name: str) -> dict[str, Any]:
    """A preset file of conf/sweep/ as a dict; close matches on a miss."""
    path = PRESET_DIR / f"{name}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))
        raise ConfigError(f"no sweep preset {name!r}{did_you_mean(name, names)}",
                          f"presets in conf/sweep/: {', '.join(names)}")
    data = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    if not isinstance(data, dict) or set(data) - set(PRESET_FIELDS):
        raise ConfigError(f"{path}: a sweep preset holds only {', '.join(PRESET_FIELDS)}",
                          "fix the preset file")
    return data


def parse(tokens: list[str], task_path: Path | None = None) -> SweepDefinition:
    """The definition of `maxcode sweep TOKENS` (or `maxcode optimize PATH -m TOKENS`)."""
    parsed = OverridesParser.create().parse_overrides(list(tokens))
    d = SweepDefinition(task_path=str(task_path.resolve()) if task_path else None)
    preset = next((o.get_value_element_as_str() for o in parsed if o.key_or_group == "sweep"), None)
    if preset is not None:
        if task_path is not None:
            raise ConfigError("sweep=PRESET names a suite; `maxcode optimize PATH -m` has one task",
                              "use `maxcode sweep sweep=PRESET ...`")
        data = load_preset(preset)
        d.preset = preset
        d.suite = data.get("suite")
        d.suite_overrides = [f"suite.{k}={_token_value(v)}" for k, v in (data.get("suite_options") or {}).items()]
        d.axes = {k: [s.strip() for s in str(v).split(",")] for k, v in (data.get("grid") or {}).items()}
        d.methods = {k: list(v) for k, v in (data.get("methods") or {}).items()}
        d.base = list(data.get("overrides") or [])
    for o in parsed:
        key, element = o.key_or_group, o.get_key_element()
        kind = _sweep_key(key)
        if kind == "sweep":
            continue
        if o.is_sweep_override():
            if kind is not None:
                raise ConfigError(f"{key} cannot take several values in one sweep",
                                  f"give {key} one value (run one sweep per {key})")
            _drop(d, key)
            d.axes[element] = list(o.sweep_string_iterator())
            continue
        value = o.get_value_element_as_str()
        if kind == "suite" and key == "suite":
            d.suite = value
        elif kind == "suite":
            d.suite_overrides = [t for t in d.suite_overrides if t.split("=", 1)[0] != o.input_line.split("=", 1)[0]]
            d.suite_overrides.append(o.input_line)
        elif kind == "sweep_dir":
            d.sweep_dir = value
        elif kind == "executor":
            d.executor.append(o.input_line)
        elif kind == "tracker":
            d.tracker.append(o.input_line)
        else:
            _drop(d, key)
            d.base.append(o.input_line)
    return d


def _drop(d: SweepDefinition, key: str) -> None:
    """A later token for `key` replaces an earlier axis or fixed value (presets come first)."""
    d.axes = {k: v for k, v in d.axes.items() if k.lstrip("+~") != key}
    d.base = [t for t in d.base if t.split("=", 1)[0].lstrip("+~") != key]


def _token_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return str(value)
