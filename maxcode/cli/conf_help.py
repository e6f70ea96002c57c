"""Hydra's conventions for the commands that compose the config: `--help` lists every config
group of conf/ with its options and the presets, and `--cfg job` prints the config a run
would use and runs nothing."""

from __future__ import annotations

import argparse
import textwrap

from maxcode.config import CONF_DIR

PRESET_GROUPS = {"experiment": "experiment=NAME", "sweep": "sweep=NAME (maxcode sweep)"}
"""Groups whose files are presets (override sets), not components."""


def options() -> dict[str, list[str]]:
    """conf/ group -> its options (file stems), sorted."""
    return {d.name: sorted(p.stem for p in d.glob("*.yaml"))
            for d in sorted(CONF_DIR.iterdir()) if d.is_dir()}


def defaults() -> dict[str, str]:
    """group -> option chosen by conf/config.yaml's defaults list."""
    from omegaconf import OmegaConf

    chosen = {}
    for entry in OmegaConf.load(CONF_DIR / "config.yaml").defaults:
        if not isinstance(entry, str) and len(entry) == 1:
            key, value = next(iter(entry.items()))
            chosen[key.replace("optional ", "")] = str(value)
    return chosen


def epilog() -> str:
    groups, chosen = options(), defaults()
    width = max(len(g) for g in groups) + 2
    lines = ["config groups (group=OPTION; default in brackets; then any key=value, e.g. budget.max_evaluations=8):"]
    for group, names in groups.items():
        if group in PRESET_GROUPS:
            continue
        marked = [f"[{n}]" if chosen.get(group) == n else n for n in names]
        lines += textwrap.wrap(", ".join(marked), 96, initial_indent=f"  {group:<{width}}",
                               subsequent_indent=" " * (width + 2))
    lines.append("presets:")
    for group, how in PRESET_GROUPS.items():
        lines += textwrap.wrap(", ".join(groups.get(group, [])), 96, initial_indent=f"  {how}: ",
                               subsequent_indent="    ")
    lines.append("--cfg job prints the resolved config a run would use, and runs nothing.")
    return "\n".join(lines)


def add_cfg_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cfg", choices=["job"], help="print the resolved config (job) and run nothing")


def print_job(overrides: list[str]) -> int:
    from maxcode.config import load_config, resolved_yaml

    print(resolved_yaml(load_config(overrides)), end="")
    return 0
