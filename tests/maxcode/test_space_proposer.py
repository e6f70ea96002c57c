"""`proposer=space`: the size of the space on the built-in suites, configurations as fields
that rebuild their program, nearest-first and seeded order, each program once per run, a
child's neighbours centred on its configuration, library bases for a kernel reference, and
programs that compile (C++ and the kernels' C++ against torch's headers)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from kernel_units import cpp_units, type_check
from maxcode.benchmarks.task import Task
from observations import observe

from maxcode.errors import ProposerUnavailable
from maxcode.proposers.space import SpaceProposer, traced_base
from maxcode.proposers.space.configurations import Space
from maxcode.proposers.space.dimensions import DIMENSIONS

SUITES = Path(__file__).resolve().parents[2] / "benchmarks" / "suites"
PIE = sorted((SUITES / "pie_mini").glob("pm*/slow.cpp"))
KB_VARIANTS = SUITES / "kernelbench_cpu" / "variants"
RANGE_SUM = (SUITES / "pie_mini" / "pm01_range_sum" / "slow.cpp").read_text()


def code_of(reply) -> str:
    return re.search(r"```\w+\n(.*)```", reply.text, re.S).group(1)


def test_the_space_has_at_least_64_programs_on_most_builtin_tasks():
    counts = {}
    for path in PIE:
        counts[path.parent.name] = Space(path.read_text(), DIMENSIONS["cpp"]).count(256)[0]
    for task_dir in sorted({p.parent for p in KB_VARIANTS.glob("level*/*/cpu.py")}):
        counts[task_dir.name] = sum(Space(p.read_text(), DIMENSIONS["python"]).count(256)[0]
                                    for p in task_dir.glob("*.py") if "load_inline" in p.read_text()
                                    and "cuda_sources" not in p.read_text())
    big = [name for name, n in counts.items() if n >= 64]
    assert len(big) >= 0.9 * len(counts), counts


def test_replies_carry_their_configuration_which_rebuilds_the_program():
    replies = SpaceProposer().propose(observe(RANGE_SUM), 40)
    assert len(replies) == 40
    space = Space(RANGE_SUM, DIMENSIONS["cpp"])
    programs = set()
    for reply in replies:
        assert reply.model == "space" and reply.calls == 0
        fields = reply.meta["space"]
        assert fields["base"] == "parent" and fields["config"]
        assert reply.meta["rewrites"] == [f"{k}={v}" for k, v in fields["config"].items()]
        config = space.config_of(fields["config"])
        assert space.program(config).rstrip() == code_of(reply).rstrip()
        programs.add(code_of(reply))
    assert len(programs) == 40 and RANGE_SUM not in programs


def test_nearer_configurations_come_first_in_a_seeded_draw():
    replies = SpaceProposer().propose(observe(RANGE_SUM, seed=3), 60)
    sizes = [len(r.meta["space"]["config"]) for r in replies]
    assert sizes == sorted(sizes) and sizes[0] == 1 and sizes[-1] >= 2
    again = SpaceProposer().propose(observe(RANGE_SUM, seed=3), 60)
    assert [r.meta["space"] for r in again] == [r.meta["space"] for r in replies]
    other = [r.meta["space"] for r in SpaceProposer().propose(observe(RANGE_SUM, seed=4), 60)]
    assert other != [r.meta["space"] for r in replies]
    # A resumed run (a fresh proposer) skips the parent's earlier samples by the draw.
    resumed = SpaceProposer().propose(observe(RANGE_SUM, seed=3, draw=20), 5)
    assert [r.meta["space"] for r in resumed] == [r.meta["space"] for r in replies[20:25]]


def test_each_program_is_proposed_once_per_run():
    proposer = SpaceProposer()
    first = {code_of(r) for r in proposer.propose(observe(RANGE_SUM), 16)}
    second = {code_of(r) for r in proposer.propose(observe(RANGE_SUM), 16)}
    assert len(first) == len(second) == 16 and not first & second


def test_a_child_is_the_center_of_its_own_neighbourhood():
    proposer = SpaceProposer()
    child = proposer.propose(observe(RANGE_SUM), 30)[-1]
    config = child.meta["space"]["config"]
    grandchildren = proposer.propose(observe(code_of(child), meta=child.meta, node_id=5), 8)
    assert grandchildren
    for reply in grandchildren:
        assert reply.meta["space"]["base_hash"] == child.meta["space"]["base_hash"]
        theirs = reply.meta["space"]["config"]
        differ = {k for k in set(config) | set(theirs) if config.get(k) != theirs.get(k)}
        assert len(differ) == 1, (config, theirs)


def test_a_kernel_reference_without_kernels_starts_from_its_library_programs():
    task_file = SUITES / "kernelbench_cpu" / "level1" / "1_ReLU.py"
    source = task_file.read_text()
    task = Task(id="kernelbench_cpu/level1/1_ReLU", family="kernel", language="python",
                baseline_source=source, source_path=str(task_file))
    replies = SpaceProposer().propose(observe(source, language="python", task=task), 24)
    bases = [r.meta["space"]["base"] for r in replies]
    assert {"cpu", "slow"} <= set(bases) and "cuda" not in bases
    # The library programs themselves come first (an empty configuration), then their neighbours.
    assert {b for b, r in zip(bases, replies, strict=True) if not r.meta["space"]["config"]} >= {"cpu", "slow"}
    assert all("load_inline" in code_of(r) for r in replies)
    # A file with no library program (any real KernelBench file) starts from its traced forward.
    bare = Task(id="x/y", family="kernel", language="python", baseline_source=source)
    replies = SpaceProposer().propose(observe(source, language="python", task=bare), 8)
    assert len(replies) == 8 and {r.meta["space"]["base"] for r in replies} == {"traced"}
    assert any(r.meta["space"]["config"].get("fuse_elementwise") == "on" for r in replies)
    untraceable = "import torch\nclass Model(torch.nn.Module):\n    pass\n"
    with pytest.raises(ProposerUnavailable, match="no base program") as caught:
        SpaceProposer().propose(observe(untraceable, language="python",
                                        task=Task(id="x/z", family="kernel", language="python",
                                                  baseline_source=untraceable)), 4)
    assert "could not be traced" in str(caught.value) and "load_inline" in caught.value.fix


def test_programs_nothing_applies_to_give_no_candidates_never_a_crash():
    for junk in ("", "int main( {", "}}} for (;;) {{{"):
        assert all(r.meta["space"]["config"] for r in SpaceProposer().propose(observe(junk), 4))


def _far_programs(space: Space, n: int, seed: int) -> list[str]:
    """Up to n legal programs of the widest configurations (every axis set), drawn with `seed`."""
    rng = random.Random(seed)
    found = []
    for _ in range(200):
        config = tuple(rng.randrange(len(axis.options)) for axis in space.axes)
        program = space.program(config)
        if program is not None and program not in found:
            found.append(program)
        if len(found) == n:
            break
    return found


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_wide_cpp_configurations_compile(tmp_path):
    """A configuration with an option on every axis of a pie-mini program, for 8 problems."""
    failures = []
    for path in PIE[:8]:
        for program in _far_programs(Space(path.read_text(), DIMENSIONS["cpp"]), 1, seed=1):
            file = tmp_path / f"{path.parent.name}.cpp"
            file.write_text(program)
            done = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", str(file)],
                                  capture_output=True, text=True, timeout=120)
            if done.returncode:
                failures.append((path.parent.name, done.stderr[-800:]))
    assert not failures, failures


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_wide_kernel_configurations_compile_against_torch(tmp_path):
    """A wide configuration of every built-in CPU kernel program, and two of every built-in
    reference's traced forward, their C++ type-checked in one translation unit against
    torch's headers."""
    programs = {}
    for i, path in enumerate(sorted(SUITES.glob("kernelbench_cpu/level*/*.py"))):
        base, why = traced_base(path.read_text())
        assert base is not None, why
        for j, program in enumerate(_far_programs(Space(base, DIMENSIONS["python"]), 2, seed=i)):
            programs[f"traced_{path.parent.name}_{path.stem}_{j}"] = program
    traced = len(programs)
    for i, path in enumerate(sorted(KB_VARIANTS.glob("level*/*/*.py"))):
        source = path.read_text()
        if "cuda_sources" in source or "torch::Tensor" not in source or path.stem == "wrong":
            continue
        for j, program in enumerate(_far_programs(Space(source, DIMENSIONS["python"]), 1, seed=i)):
            programs[f"{path.parent.name}_{path.stem}_{j}"] = program
    includes, bodies = cpp_units(programs)
    assert traced >= 12 and len(bodies) >= traced + 10
    done = type_check(includes, bodies, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
