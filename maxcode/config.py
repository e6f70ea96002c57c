"""Composing the Hydra configuration from `conf/` without taking over the process.

The CLI uses Hydra's compose API rather than `@hydra.main`, so subcommands keep their own
flags, the working directory is not changed, and logging stays ours.
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


def load_config(overrides: list[str] | None = None, config_name: str = "config") -> DictConfig:
    """The root config with command-line overrides (`key=value`, `group=option`) applied."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        return compose(config_name=config_name, overrides=list(overrides or []))
