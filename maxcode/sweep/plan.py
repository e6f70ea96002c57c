"""A definition -> one `RunJob` per (task, grid point), every grid point's config composed and
checked before anything is written or started."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, OmegaConf

from maxcode.benchmarks.suite import SUITES, did_you_mean
from maxcode.benchmarks.task import Task
from maxcode.config import CONF_DIR, load_config
from maxcode.errors import ConfigError
from maxcode.sweep.grid import SweepDefinition


@dataclass
class RunJob:
    """One search of a sweep: everything a worker needs, picklable, no paths into the driver."""

    key: str
    """Directory name under runs/: `{task}__{name}__{seed}__{hash of the overrides}`."""
    task: Task
    overrides: list[str]
    """Hydra overrides of this run (grid point + fixed tokens), without run_dir."""
    name: str
    """The method: the experiment's name, else the strategy's (plus distinguishing axes)."""
    seed: int
    gpus: float = 0.0
    """GPUs the run needs (a CUDA kernel task: 1), for executors that place runs."""
    point: list[str] = field(default_factory=list)
    """The grid point's own tokens."""


@dataclass
class Plan:
    definition: SweepDefinition
    tasks: list[Task]
    jobs: list[RunJob]
    base_config: DictConfig
    """The config of the fixed tokens alone (written resolved into sweep.yaml)."""
    family: str
    """`cpp`, `kernel` or `mixed`: which papers' metrics the summary reports."""
    models: dict[str, str] = field(default_factory=dict)
    """Each ranker model the runs read (`ranker.path`) -> a hash of its files: part of the
    sweep's identity, since the path alone would let a resume keep runs scored by a model
    since retrained into the same directory, two models in one arm."""


def load_tasks(d: SweepDefinition) -> list[Task]:
    if d.task_path is not None:
        from maxcode.wiring import load_task

        tests = next((t.split("=", 1)[1] for t in d.base if t.split("=", 1)[0] == "tests"), None)
        return [load_task(Path(d.task_path), tests)]
    if not d.suite:
        raise ConfigError("a sweep needs a suite", "add suite=NAME (see `maxcode suite list`), or sweep=PRESET")
    from maxcode.suites import build_suite, compose

    spec = SUITES.get(d.suite)
    try:
        cfg = compose(spec, d.suite_overrides)
    except ConfigCompositionException as exc:
        raise ConfigError(f"suite options {' '.join(d.suite_overrides)}: {_first_line(exc)}",
                          f"see the options of conf/suite/{spec.option}.yaml") from None
    tasks = build_suite(cfg).tasks
    if not tasks:
        raise ConfigError(f"suite {spec.name!r} with {' '.join(d.suite_overrides) or 'its defaults'} selects no task",
                          f"widen the selection (`maxcode suite show {spec.name}` lists the ids)")
    return tasks


def compose_run(tokens: list[str]) -> DictConfig:
    """A run's config; a bad token is a ConfigError naming it (close matches for keys)."""
    for token in tokens:
        key, _, value = token.partition("=")
        group = CONF_DIR / key.lstrip("+~")
        if group.is_dir() and value and value != "null" and not (group / f"{value}.yaml").is_file():
            # Checked here: an `optional` group (experiment) would silently ignore the name.
            _no_option(key.lstrip("+~"), value)
    try:
        return load_config(tokens)
    except ConfigCompositionException:
        pass
    base = load_config([])
    known = _flat_keys(OmegaConf.to_container(base, resolve=False))
    for token in tokens:
        try:
            load_config([token])
        except ConfigCompositionException as exc:
            key = token.split("=", 1)[0].lstrip("+~")
            if "Could not find" in str(exc) or "Could not load" in str(exc):
                _no_option(key.split(".")[0], token.split("=", 1)[1] if "=" in token else "")
            raise ConfigError(f"grid key {key!r} is not in the config{did_you_mean(key, known)}",
                              "use a key of the composed config (`maxcode optimize` takes the same keys)") from None
    raise ConfigError(f"these overrides do not compose together: {' '.join(tokens)}",
                      "check the grid against the presets in conf/")


def _no_option(group: str, value: str) -> None:
    options = sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
    raise ConfigError(f"{group}={value}: no such option{did_you_mean(value, options)}",
                      f"options of {group}: {', '.join(options) or 'none'}")


def method_name(cfg: DictConfig, labels: list[str]) -> str:
    strategy = str(cfg.strategy.get("_target_", "search")).rsplit(".", 1)[-1]
    name = cfg.get("name") or re.sub(r"(?<!^)(?=[A-Z])", "_", strategy).lower()
    return f"{name}[{','.join(labels)}]" if labels else str(name)


def build(d: SweepDefinition) -> Plan:
    tasks = load_tasks(d)
    base_config = compose_run(d.base)
    label_keys = d.label_axes()
    runs: list[tuple[list[str], DictConfig]] = []
    for point in d.points():
        runs.append((point, compose_run([*point, *d.base])))
    models = {path: _model_digest(Path(path)) for path in sorted({_ranker_path(cfg) for _, cfg in runs} - {None})}
    jobs: list[RunJob] = []
    for task in tasks:
        task_part = re.sub(r"[^\w.-]+", "-", task.id.split("/", 1)[-1]).strip("-") or "task"
        for point, cfg in runs:
            labels = [t for t in point if t.split("=", 1)[0] in label_keys]
            name = method_name(cfg, labels)
            overrides = [*point, *d.base]
            digest = hashlib.sha256(json.dumps(sorted(overrides)).encode()).hexdigest()[:8]
            safe = re.sub(r"[^\w.=,+-]+", "-", name)
            device = str(cfg.get("device", "auto"))
            gpus = 1.0 if task.family == "kernel" and device == "cuda" else 0.0
            jobs.append(RunJob(key=f"{task_part}__{safe}__{int(cfg.seed)}__{digest}", task=task,
                               overrides=overrides, name=name, seed=int(cfg.seed), gpus=gpus, point=point))
    families = {t.family for t in tasks}
    return Plan(d, tasks, jobs, base_config, families.pop() if len(families) == 1 else "mixed", models)


MODEL_BYTES_READ = 64 << 20
"""Model files up to this size are hashed whole; larger ones (a copied base model) by size and
modification time, so planning a sweep never reads gigabytes."""


def _ranker_path(cfg: DictConfig) -> str | None:
    ranker = cfg.get("ranker")
    path = ranker.get("path") if isinstance(ranker, DictConfig) else None
    return str(path) if path else None


def _model_digest(directory: Path) -> str:
    """A hash of a model directory's files; "" when it does not exist (the run fails with the
    ranker's own message). The `eval.*.json` files `maxcode rtg eval` writes beside a model
    are not the model and are left out."""
    if not directory.is_dir():
        return ""
    h = hashlib.sha256()
    for f in sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("eval.")):
        h.update(str(f.relative_to(directory)).encode())
        stat = f.stat()
        h.update(f.read_bytes() if stat.st_size <= MODEL_BYTES_READ else f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _flat_keys(node: Any, prefix: str = "") -> list[str]:
    if not isinstance(node, dict):
        return [prefix] if prefix else []
    keys = [prefix] if prefix else []
    for k, v in node.items():
        keys += _flat_keys(v, f"{prefix}.{k}" if prefix else str(k))
    return keys


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

