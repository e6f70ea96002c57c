"""proposer=replay reproduces an earlier run; the library proposer cycles its variants."""

from __future__ import annotations

import pytest
from loop_fakes import ScriptedProposer, reply_for

from maxcode.errors import ProposerUnavailable
from maxcode.proposers.library import LibraryProposer
from maxcode.proposers.replay import ReplayProposer
from maxcode.search.best_of_n import BestOfN
from maxcode.search.refine import Refine

PROGRAMS = [reply_for("SPEED=1.5"), reply_for("WRONG"), reply_for("SPEED=2.0"), "nothing"]


def test_replay_reproduces_the_recorded_run(make_search, tmp_path):
    original = make_search(Refine(steps=4), ScriptedProposer(PROGRAMS), run_dir=tmp_path / "a")
    original.run()
    replayed = make_search(Refine(steps=4), ReplayProposer(run_dir=str(tmp_path / "a")), run_dir=tmp_path / "b")
    replayed.run()
    def key(t):
        return [(n.parent_id, n.status, n.reply, n.proposer.prompt_hash) for n in t.candidates()]
    assert key(replayed.tree) == key(original.tree)


def test_replay_stops_cleanly_when_the_recording_runs_out(make_search, tmp_path):
    make_search(BestOfN(n=2, batch=2), ScriptedProposer(PROGRAMS), run_dir=tmp_path / "a").run()
    search = make_search(BestOfN(n=4, batch=2), ReplayProposer(run_dir=str(tmp_path / "a")), run_dir=tmp_path / "b")
    with pytest.raises(ProposerUnavailable, match="no more replies"):
        search.run()
    assert len(search.tree.candidates()) == 2


def test_library_cycles_variants_in_name_order(make_search, tmp_path):
    variants = tmp_path / "variants"
    variants.mkdir()
    for name, tag in [("a.cpp", "SPEED=1.5"), ("b.cpp", "SPEED=3.0"), ("notes.txt", "x")]:
        (variants / name).write_text(f"// {tag}\nint main() {{ return 0; }}\n")
    search = make_search(BestOfN(n=3, batch=2), LibraryProposer(variants=str(variants)))
    search.run()
    assert [n.proposer.meta["variant"].rsplit("/", 1)[1] for n in search.tree.candidates()] == ["a.cpp", "b.cpp", "a.cpp"]
    assert search.tree.candidates()[2].duplicate_of == 1
    assert "not a model's output" in search.tree.candidates()[0].reply
    assert search.tree.best().speedup == 3.0


def test_library_without_variants_says_what_to_do(make_search, tmp_path):
    search = make_search(BestOfN(n=1, batch=1), LibraryProposer(variants=str(tmp_path / "none")))
    with pytest.raises(ProposerUnavailable, match="no .cpp.* variants") as info:
        search.run()
    assert "proposer.variants=DIR" in info.value.fix
