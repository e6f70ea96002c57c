"""The kernel judge's settings objects: built by Hydra from conf/judge/default.yaml, validated
when built, and resolved per device; and the one `Judge` protocol both judges answer to."""

from __future__ import annotations

import inspect

import pytest
from hydra.utils import instantiate
from maxcode.sandbox.judges.base import Judge
from maxcode.sandbox.judges.cpp import CppJudge
from maxcode.sandbox.judges.kernel import (
    KernelChecks,
    KernelJudge,
    KernelLimits,
    KernelTiming,
    Reverification,
)

from maxcode.config import load_config


def test_hydra_builds_each_settings_object_and_overrides_reach_them(local_backend, tmp_path):
    cfg = load_config(["device=cpu", "judge.kernel.timing.processes=4", "judge.kernel.checks.static=lenient",
                       "judge.kernel.limits.run_timeout_s=30", "judge.kernel.reverify.threshold=8",
                       f"judge.kernel.cache_dir={tmp_path}"])
    judge = instantiate(cfg.judge.kernel)(backend=local_backend)
    assert isinstance(judge.checks, KernelChecks) and judge.checks.static == "lenient"
    assert isinstance(judge.timing, KernelTiming) and judge.timing.processes == 4
    assert isinstance(judge.reverification, Reverification) and judge.reverification.threshold == 8
    assert judge.sides.run_timeout_s == 30


def test_the_yaml_names_every_field_of_every_settings_object():
    """A field added to a settings class but not to the YAML is a setting users cannot see."""
    node = load_config([]).judge.kernel
    for group, cls in {"checks": KernelChecks, "timing": KernelTiming, "limits": KernelLimits,
                       "reverify": Reverification}.items():
        assert set(node[group]) - {"_target_"} == set(cls.__dataclass_fields__), group


@pytest.mark.parametrize("build, field", [
    (lambda: KernelChecks(static="strictest"), "judge.kernel.checks.static"),
    (lambda: KernelChecks(correctness_trials=0), "correctness_trials"),
    (lambda: KernelTiming(processes=0), "judge.kernel.timing.processes"),
    (lambda: KernelTiming(threads=0), "threads"),
    (lambda: KernelTiming(min_trials=20, max_trials=10), "min_trials"),
    (lambda: KernelLimits(run_timeout_s=0), "judge.kernel.limits"),
    (lambda: Reverification(agreement=0), "judge.kernel.reverify"),
])
def test_a_bad_setting_fails_when_built_and_names_itself(build, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        build()


def test_unset_trial_counts_take_each_devices_protocol():
    cpu, gpu = KernelTiming().for_device("cpu"), KernelTiming().for_device("cuda")
    assert (cpu.warmup_trials, cpu.min_trials, cpu.max_trials) == (2, 10, 50) and cpu.time_target_s == 1.5
    # KernelBench's GPU protocol: 3 warm-ups, a fixed 100 trials, no time target.
    assert (gpu.warmup_trials, gpu.min_trials, gpu.max_trials, gpu.time_target_s) == (3, 100, 100, 0.0)
    assert gpu.threads is None and cpu.threads >= 1
    assert KernelTiming(min_trials=7).for_device("cuda").min_trials == 7


def test_both_judges_answer_to_one_protocol():
    wanted = inspect.signature(Judge.evaluate)
    for cls in (CppJudge, KernelJudge):
        got = inspect.signature(cls.evaluate)
        assert list(got.parameters) == list(wanted.parameters), cls
        assert [p.kind for p in got.parameters.values()] == [p.kind for p in wanted.parameters.values()], cls
        assert cls.family in ("cpp", "kernel")


def test_each_judge_refuses_what_its_family_does_not_take(local_backend, tmp_path):
    from maxcode.records.errors import TaskError
    from maxcode.records.testcases import TestCase
    from maxcode.records.tolerance import Tolerance
    from maxcode.sandbox.timing.wall import WallTimer

    case = TestCase(name="1", input_path=str(tmp_path / "i"), output_path=str(tmp_path / "o"))
    kernel = KernelJudge(local_backend, "cpu", cache_dir=str(tmp_path))
    with pytest.raises(TaskError, match="no test cases"):
        kernel.evaluate("x", "y", [case])
    cpp = CppJudge(local_backend, WallTimer(), cache_dir=tmp_path)
    with pytest.raises(TaskError, match="no tolerance"):
        cpp.evaluate("int main(){}", "int main(){}", [case], tolerance=Tolerance(atol=1e-3, rtol=1e-3))
