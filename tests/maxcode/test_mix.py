"""`proposer=mix`: shares split each request, a proposer short of candidates hands the rest on,
one that cannot serve the task is left out; the config builds the library + rewrites mix and
it serves a built-in kernel problem (library kernels first, rewrites on top of them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kernel_problems import GEMM_LEAKY
from maxcode.benchmarks.task import Task
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash
from omegaconf import OmegaConf

from maxcode.config import make
from maxcode.errors import ConfigError, ProposerUnavailable
from maxcode.observation import ObservationBuilder
from maxcode.proposers.base import Reply
from maxcode.proposers.library import LibraryProposer
from maxcode.proposers.mix import MixProposer
from maxcode.proposers.rewrites import RewritesProposer
from maxcode.proposers.space import SpaceProposer
from maxcode.search_tree import SearchTree

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "benchmarks" / "suites" / "kernelbench_cpu"


class Named:
    """A proposer that returns up to `limit` replies naming itself (or is unavailable)."""

    def __init__(self, name: str, limit: int = 1000, unavailable: bool = False) -> None:
        self.model, self.limit, self.unavailable = name, limit, unavailable
        self.asked: list[tuple[int, int, int]] = []

    def propose(self, observation, k):
        self.asked.append((k, observation.serial, observation.draw))
        if self.unavailable:
            raise ProposerUnavailable(f"{self.model} has nothing for this task", "give it some")
        return [Reply(text=f"{self.model} {observation.serial + i}", model=self.model)
                for i in range(min(k, self.limit))]


def observe(source: str = "int main() {}\n", serial: int = 0, language: str = "cpp", path: str | None = None):
    task = Task(id="t/x", family="cpp" if language == "cpp" else "kernel", language=language,
                baseline_source=source, source_path=path)
    root = Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=source,
                source_hash=source_hash(source), proposer=ProposerInfo())
    return ObservationBuilder().build(task, SearchTree([root]), root, draw_counts={}, serial=serial, seed=0)


def test_shares_split_the_samples_in_list_order():
    a, b = Named("a"), Named("b")
    mix = MixProposer([a, b], shares=[1, 3])
    got = [r.model for r in mix.propose(observe(serial=0), 8)]
    assert got.count("a") == 2 and got.count("b") == 6
    assert [r.meta["mix"] for r in mix.propose(observe(serial=1), 3)] == [1, 1, 1]  # samples 1-3: b's
    assert mix.model == "mix:a+b"


def test_a_shortfall_goes_to_the_next_then_back_to_the_earlier_ones():
    a, b = Named("a"), Named("b", limit=0)
    got = MixProposer([a, b], shares=[1, 1]).propose(observe(), 4)
    assert [r.model for r in got] == ["a"] * 4
    # The second request to `a` starts after the samples it already gave (no repeats).
    assert a.asked == [(2, 0, 0), (2, 2, 2)]
    c = Named("c", limit=1)
    got = MixProposer([c, Named("d")], shares=[3, 1]).propose(observe(), 4)
    assert [r.model for r in got] == ["c", "d", "d", "d"]


def test_an_unavailable_proposer_is_left_out_unless_none_is_left():
    mix = MixProposer([Named("lib", unavailable=True), Named("b")], shares=[1, 1])
    assert [r.model for r in mix.propose(observe(), 2)] == ["b", "b"]
    assert [r.model for r in mix.propose(observe(serial=2), 2)] == ["b", "b"]
    with pytest.raises(ProposerUnavailable):
        MixProposer([Named("x", unavailable=True)]).propose(observe(), 1)


@pytest.mark.parametrize("shares", [[1], [0, 0], [1, -1], [1.5, 1]])
def test_bad_shares_are_a_config_error(shares):
    with pytest.raises(ConfigError):
        MixProposer([Named("a"), Named("b")], shares=shares)


def test_the_mix_config_builds_library_rewrites_and_the_space_for_what_is_left():
    node = OmegaConf.load(ROOT / "conf" / "proposer" / "mix.yaml")
    mix = make(node, "proposer", convert="all")
    assert isinstance(mix, MixProposer)
    assert [type(p) for p in mix.proposers] == [LibraryProposer, RewritesProposer, SpaceProposer]
    bad = OmegaConf.merge(node, {"proposers": [{"_target_": "maxcode.proposers.rewrites.RewritesProposer",
                                                "only": ["no_such_rewrite"]}], "shares": [1]})
    with pytest.raises(ConfigError, match="known rewrites: "):
        make(bad, "proposer", convert="all")


def test_mix_on_a_kernel_problem_library_kernels_first_then_rewrites_on_them():
    problem = KB / "level1" / "1_ReLU.py"
    variants = KB / "variants" / "level1" / "1_ReLU"
    mix = MixProposer([LibraryProposer(str(variants)), RewritesProposer()], shares=[1, 3])
    reference = observe(problem.read_text(), language="python", path=str(problem))
    first = mix.propose(reference, 4)
    # Nothing to rewrite in the reference: all four are library programs.
    assert [r.model for r in first] == ["library"] * 4
    slow = (variants / "slow.py").read_text()
    second = mix.propose(observe(slow, serial=4, language="python", path=str(problem)), 4)
    models = [r.model for r in second]
    assert models.count("rewrites") == 3 and models.count("library") == 1
    # The rewrites are the first three of the rewrites proposer's own order for that parent
    # (the library's sample in the same request does not make it skip any).
    alone = RewritesProposer().propose(observe(slow, language="python", path=str(problem)), 3)
    assert [r.meta["rewrites"] for r in second if r.model == "rewrites"] == [r.meta["rewrites"] for r in alone]


def test_the_mix_config_proposes_each_library_program_once_then_only_rewrites():
    """conf/proposer/mix.yaml: the library hands out its programs once, so every later request
    goes whole to the rewrites (a cycling library took one sample in four for a duplicate)."""
    mix = make(OmegaConf.load(ROOT / "conf" / "proposer" / "mix.yaml"), "proposer", convert="all")
    problem = KB / "level1" / "1_ReLU.py"
    reference = observe(problem.read_text(), language="python", path=str(problem))
    reference.meta["device"] = "cpu"
    first = mix.propose(reference, 4)
    # cpu, slow and wrong (the cuda variant is for another device), no duplicate; the rewrites
    # have nothing to rewrite in the reference, so the space proposer fills the fourth.
    assert [r.model for r in first] == ["library"] * 3 + ["space"]
    assert len({r.meta["variant"] for r in first[:3]}) == 3
    slow = (KB / "variants" / "level1" / "1_ReLU" / "slow.py").read_text()
    second = mix.propose(observe(slow, serial=4, language="python", path=str(problem)), 4)
    alone = RewritesProposer().propose(observe(slow, language="python", path=str(problem)), 4)
    assert len(alone) == 4 and [r.model for r in second] == ["rewrites"] * 4


def test_a_library_that_does_not_cycle_proposes_each_variant_once(tmp_path):
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(f"# {name}\n")
    library = LibraryProposer(str(tmp_path), cycle=False)
    got = [library.propose(observe(language="python", serial=s), 2) for s in (0, 2, 4)]
    assert [[r.meta["variant"].rsplit("/", 1)[1] for r in replies] for replies in got] == [["a.py", "b.py"], ["c.py"], []]


def test_the_mix_config_proposes_for_a_kernelbench_file_with_no_library_program(tmp_path):
    """The issue's user: `maxcode optimize KernelBench/level2/12_Gemm_Multiply_LeakyReLU.py
    proposer=mix` ended with 0 nodes; the space proposer's traced programs fill the request."""
    problem = tmp_path / "KernelBench" / "level2" / "12_Gemm_Multiply_LeakyReLU.py"
    problem.parent.mkdir(parents=True)
    problem.write_text(GEMM_LEAKY)
    mix = make(OmegaConf.load(ROOT / "conf" / "proposer" / "mix.yaml"), "proposer", convert="all")
    reference = observe(GEMM_LEAKY, language="python", path=str(problem))
    reference.meta["device"] = "cpu"
    replies = mix.propose(reference, 4)
    assert [r.model for r in replies] == ["space"] * 4
    assert all("traced_ext.forward" in r.text for r in replies)
