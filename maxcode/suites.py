"""A benchmark suite from the Hydra config: the root config with a suite selected, and the
suite it instantiates. Used by `maxcode suite`, sweeps and tests alike."""

from __future__ import annotations

from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig

from maxcode.benchmarks.suite import Suite, SuiteSpec
from maxcode.config import load_config, make
from maxcode.errors import InternalError


def compose(spec: SuiteSpec, overrides: list[str]) -> DictConfig:
    """The root config with this suite selected (`suite=` once the root lists the group)."""
    try:
        return load_config([f"suite={spec.option}", *overrides])
    except ConfigCompositionException:
        # conf/config.yaml does not list the suite group in its defaults: append it.
        return load_config([f"+suite={spec.option}", *overrides])


def build_suite(cfg: DictConfig) -> Suite:
    """Instantiate `cfg.suite`; a loader's UserError comes out as itself, not wrapped by Hydra."""
    suite = make(cfg.suite, "suite")
    if not isinstance(suite, Suite):
        raise InternalError(
            f"suite loader {cfg.suite._target_} returned {type(suite).__name__}, not a Suite"
        )
    return suite
