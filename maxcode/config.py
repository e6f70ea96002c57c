"""Composing the Hydra configuration from `conf/` without taking over the process.

The CLI uses Hydra's compose API rather than `@hydra.main`, so subcommands keep their own
flags, the working directory is not changed, and logging stays ours. `make` is the one
way a config node becomes an object.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from maxcode.errors import ConfigError, UserError

log = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
# In a checkout (and an editable install) conf/ is the repository's top-level folder; a wheel
# carries it inside the package (setup.py maps it to maxcode.conf).
CONF_DIR = next((d for d in (_HERE / "conf", _HERE.parent / "conf") if d.is_dir()), _HERE.parent / "conf")


RENAMED_GROUPS = {"timing": "cpp_timing"}
"""Old group name -> new: the C++ judge's timer was `timing`, which read as every judge's."""


def load_config(overrides: list[str] | None = None, config_name: str = "config") -> DictConfig:
    """The root config with command-line overrides (`key=value`, `group=option`) applied."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        return compose(config_name=config_name, overrides=[_renamed(o) for o in overrides or []])


def _renamed(override: str) -> str:
    """A renamed group's old spelling (`timing=instructions`, `timing.max_seconds=2`) still
    works; a warning gives the new one."""
    body = override.lstrip("+~")
    name, rest = re.match(r"([^=.]*)(.*)", body).groups()
    if name not in RENAMED_GROUPS or not rest:
        return override
    renamed = override[:len(override) - len(body)] + RENAMED_GROUPS[name] + rest
    log.warning("`%s` is now `%s` (the group was renamed)", override, renamed)
    return renamed


def make(node: Any, what: str, convert: str = "none") -> Any:
    """`_target_` of one config node, instantiated. Hydra wraps whatever a constructor raised
    in an InstantiationException; a UserError (the user's to fix) comes out as itself, so
    the CLI prints its cause and fix instead of a traceback."""
    if node is None or not isinstance(node, DictConfig) or "_target_" not in node:
        raise ConfigError(f"no `_target_` configured for {what}", f"set {what} in conf/")
    log.info("%s: %s", what, node["_target_"])
    try:
        return instantiate(node, _convert_=convert)
    except InstantiationException as exc:
        if isinstance(exc.__cause__, UserError):
            raise exc.__cause__ from None
        raise


SECRET_KEYS = ("api_key",)


def resolved_yaml(cfg: DictConfig) -> str:
    """The fully resolved config with secrets masked: what goes into a run directory."""
    data = OmegaConf.to_container(cfg, resolve=True)

    def mask(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("***" if k in SECRET_KEYS and v else mask(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [mask(v) for v in node]
        return node

    return OmegaConf.to_yaml(OmegaConf.create(mask(data)))
