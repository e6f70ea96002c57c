"""The suite registry: names users type, close-match suggestions, duplicate aliases."""

from __future__ import annotations

import pytest
from maxcode.benchmarks.suite import SUITES, Suite, SuiteRegistry, SuiteSpec, get_suite_spec
from maxcode.benchmarks.task import Task
from maxcode.records.errors import InternalError, UserError

from maxcode.config import CONF_DIR


def test_the_suites_are_registered_with_their_config_files() -> None:
    assert SUITES.names() == ["builtin", "kernelbench", "kernelbench-cpu", "pie", "pie-mini"]
    for spec in SUITES.specs():
        assert (CONF_DIR / "suite" / f"{spec.option}.yaml").is_file(), spec


def test_aliases_resolve_to_the_same_spec() -> None:
    assert get_suite_spec("pie_mini") is get_suite_spec("pie-mini")
    assert get_suite_spec("kernelbench_cpu").name == "kernelbench-cpu"
    assert "pie_mini" in SUITES and "nope" not in SUITES


def test_unknown_name_suggests_close_matches_and_lists_all() -> None:
    with pytest.raises(UserError) as info:
        get_suite_spec("pie-mnii")
    assert "did you mean 'pie-mini'" in info.value.cause
    assert info.value.fix == "available suites: builtin, kernelbench, kernelbench-cpu, pie, pie-mini"
    with pytest.raises(UserError) as info:
        get_suite_spec("zzzzzz")
    assert "did you mean" not in info.value.cause
    assert "pie-mini" in info.value.fix


def test_duplicate_names_and_aliases_are_errors() -> None:
    registry = SuiteRegistry()
    registry.register(SuiteSpec("alpha", "alpha", "first", aliases=("a",)))
    with pytest.raises(InternalError, match="'alpha' .* already registered"):
        registry.register(SuiteSpec("alpha", "other", "again"))
    with pytest.raises(InternalError, match="'a' of 'beta' is already registered for 'alpha'"):
        registry.register(SuiteSpec("beta", "beta", "second", aliases=("a",)))
    # A failed registration leaves nothing half-registered.
    assert registry.names() == ["alpha"] and "beta" not in registry


def test_suite_task_lookup_by_short_or_full_id_with_suggestions() -> None:
    tasks = [
        Task(id=f"demo/{n}", family="cpp", language="cpp", baseline_source="int main(){}")
        for n in ("p1_sum", "p2_sort")
    ]
    suite = Suite(name="demo", version="1", tasks=tasks)
    assert suite.task("p2_sort") is tasks[1]
    assert suite.task("demo/p1_sum") is tasks[0]
    with pytest.raises(UserError, match="did you mean 'p2_sort'"):
        suite.task("p2_srot")
