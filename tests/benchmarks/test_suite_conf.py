"""Every conf/suite option composes and instantiates into a Suite (configs cannot rot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from maxcode.benchmarks.suite import SUITES, Suite
from maxcode.records.errors import ConfigError

from maxcode.config import CONF_DIR
from maxcode.suites import build_suite, compose

FIXTURES = Path(__file__).parent / "pie_fixtures"
KERNELBENCH_REPO = Path(__file__).parent / "fixtures" / "kernelbench_repo"
# What each option needs to find its data offline: the fixture trees of these tests.
OPTIONS = {
    "pie-mini": [],
    "kernelbench-cpu": ["suite.level=1", "suite.ids=[1]"],
    "pie": [
        f"suite.jsonl={FIXTURES / 'split.jsonl'}",
        f"suite.tests_root={FIXTURES / 'tests_root'}",
    ],
    "kernelbench": [f"suite.root={KERNELBENCH_REPO}", "suite.level=1"],
    "builtin": [],
}
# A suite made of others keeps its tasks' own ids (results stay comparable across sweeps).
PARTS = {"builtin": ("pie-mini/", "kernelbench-cpu/")}


def test_every_suite_file_has_a_registry_name() -> None:
    files = sorted(p.stem for p in (CONF_DIR / "suite").glob("*.yaml"))
    assert files == sorted(spec.option for spec in SUITES.specs())
    assert sorted(OPTIONS) == SUITES.names()


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_suite_option_instantiates(name: str) -> None:
    suite = build_suite(compose(SUITES.get(name), OPTIONS[name]))
    assert isinstance(suite, Suite)
    assert suite.name == name
    prefixes = PARTS.get(name, (f"{name}/",))
    assert suite.tasks and all(t.id.startswith(prefixes) for t in suite.tasks)
    assert {p for p in prefixes if any(t.id.startswith(p) for t in suite.tasks)} == set(prefixes)


def test_a_loader_error_surfaces_as_itself_not_wrapped_by_hydra() -> None:
    with pytest.raises(ConfigError, match="needs suite.jsonl and suite.tests_root"):
        build_suite(compose(SUITES.get("pie"), []))
    with pytest.raises(ConfigError, match="needs suite.root"):
        build_suite(compose(SUITES.get("kernelbench"), ["suite.root=null"]))
