"""Every file of every conf/ group composes and instantiates (configs cannot rot)."""

from __future__ import annotations

import functools
import importlib.util

import pytest
from omegaconf import OmegaConf

from maxcode import wiring
from maxcode.config import CONF_DIR, load_config, make
from maxcode.errors import ProposerUnavailable, UserError

GROUPS = sorted(p.name for p in CONF_DIR.iterdir() if p.is_dir())
FILES = [(g, f.stem) for g in GROUPS for f in sorted((CONF_DIR / g).glob("*.yaml"))]
# Groups named in config.yaml's defaults list are chosen with `group=`; others with `+group=`.
DEFAULTS = {next(iter(e)).replace("optional ", "") for e in OmegaConf.to_container(OmegaConf.load(CONF_DIR / "config.yaml").defaults)
            if isinstance(e, dict)}
# What a group option needs from the environment to be built offline.
EXTRA = {
    ("proposer", "openai"): ["proposer.model=fixture-model", "proposer.base_url=http://127.0.0.1:9/v1"],
    ("proposer", "hf"): ["proposer.model=/nonexistent/model"],  # loads lazily
    ("proposer", "vllm"): ["proposer.model=some/model"],
    ("proposer", "replay"): ["proposer.run_dir=RUN_DIR"],
    # critique.model null: the critic answers with the proposer's model.
    ("critique", "llm"): ["proposer.model=fixture-model", "proposer.base_url=http://127.0.0.1:9/v1"],
}


@pytest.mark.parametrize("group, option", FILES, ids=[f"{g}/{o}" for g, o in FILES])
def test_group_file_composes_and_instantiates(group, option, tmp_path):
    (tmp_path / "trajectory.jsonl").write_text("")
    extra = [o.replace("RUN_DIR", str(tmp_path)) for o in EXTRA.get((group, option), [])]
    in_defaults = group in DEFAULTS
    cfg = load_config([f"{group}={option}" if in_defaults else f"+{group}={option}", *extra])
    OmegaConf.resolve(cfg)
    if group == "experiment":
        assert cfg.name == option
        return
    node = cfg[group]
    if "_target_" not in node:
        return  # placeholder groups of other components (no target yet)
    if (group, option) == ("proposer", "vllm") and importlib.util.find_spec("vllm") is None:
        with pytest.raises(ProposerUnavailable, match="vllm serve"):
            make(node, "proposer", convert="all")
        return
    try:
        # Critiques are completed by the wiring function (backend, the LLM critic's model).
        made = wiring.build_critique(cfg) if group == "critique" else make(node, group, convert="all")
    except UserError as exc:
        # The target was found and called; it refused a value the user must supply
        # (a dataset path, an installed extra) with a message saying so.
        assert exc.cause and exc.fix, exc
        return
    assert made is not None
    if isinstance(made, functools.partial):
        assert callable(made.func)


def test_experiment_presets_only_override():
    for path in sorted((CONF_DIR / "experiment").glob("*.yaml")):
        text = path.read_text()
        assert text.startswith("# @package _global_"), path
        assert "# run with: maxcode optimize" in text, path
        assert "_target_" not in text, f"{path}: presets override, they do not define components"


def test_maxcode_presets_switch_on_critique_history_and_y():
    for name in ("effilearner_maxcode", "fsr_maxcode"):
        cfg = load_config([f"experiment={name}"])
        assert cfg.observation.history and cfg.observation.diagnosis and cfg.observation.y
        assert cfg.critique._target_ != "maxcode.critique.base.NoCritique"
    plain = load_config(["experiment=fsr"])
    assert not plain.observation.history and plain.critique._target_ == "maxcode.critique.base.NoCritique"


def test_unknown_override_key_is_hydra_error():
    with pytest.raises(Exception, match="budget.max_evaluationz|Could not override|not in struct"):
        load_config(["budget.max_evaluationz=3"])


def test_the_cpp_timer_group_answers_to_its_old_name(caplog):
    """`timing` was renamed `cpp_timing` (it configures only the C++ judge's timer): users'
    commands with the old spelling still compose, and are told the new one."""
    cfg = load_config(["timing=instructions", "+timing.extra=1", "judge.kernel.timing.processes=4"])
    assert cfg.cpp_timing._target_.endswith("InstructionTimer") and cfg.cpp_timing.extra == 1
    assert cfg.judge.kernel.timing.processes == 4 and "timing" not in cfg
    assert "`timing=instructions` is now `cpp_timing=instructions`" in caplog.text
