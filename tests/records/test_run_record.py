"""The run record: one reader, one writer, one policy for a line cut by a kill, and the
files of the previous release still read.

The fixture `run_d56e86e` is the README's main job (pm14_count_queries, refine, 5 steps)
as commit d56e86e recorded it, before the records moved to `records/`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from maxcode.records.lines import read_lines
from maxcode.records.node import Node, NodeStatus, best_so_far, total_spent
from maxcode.records.run import SUMMARY, TRAJECTORY, RunReader, RunWriter, read_json
from maxcode.records.sweep import SweepResults
from maxcode.records.usage import CriticUsage
from maxcode.reward.dataset import Bins, examples_of_run

from maxcode.proposers.replay import ReplayProposer
from maxcode.report.load import load_run
from maxcode.report.sweep_metrics import spend_curve
from maxcode.tracking.feed import PointReader

FIXTURE = Path(__file__).parent / "fixtures" / "run_d56e86e"


@pytest.fixture
def run(tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_a_run_recorded_by_the_previous_release_reads_whole(run):
    lines = (run / TRAJECTORY).read_text().splitlines()
    nodes = RunReader(run).nodes()
    assert [n.id for n in nodes] == [json.loads(line)["id"] for line in lines] == [0, 1, 2, 3, 4, 5]
    assert nodes[0].status is NodeStatus.BASELINE and all(n.correct for n in nodes[1:])
    # Its critic spending was an untyped dict then: it reads as the typed record.
    assert all(isinstance(n.critic_usage, CriticUsage) for n in nodes)
    # What the run's summary says it spent is what its nodes add up to.
    typed = RunReader(run).run_summary()
    assert typed is not None and typed.best_node == 4 and typed.best_retimed.search_speedup > 4
    spent, said = total_spent(nodes), typed.spent()
    assert spent.evaluations == said.evaluations == 5 and spent.llm_calls == said.llm_calls
    # Its summary reads as the typed record, and writes back as it was (plus the fields
    # added since, at their defaults).
    summary = read_json(run / SUMMARY)
    written = json.loads(json.dumps(typed.to_dict()))
    retimed = written["best_retimed"]  # its re-timing then succeeded, or was not recorded
    assert {k: v for k, v in retimed.items() if k not in summary["best_retimed"]} == {"status": "ok", "message": ""}
    written["best_retimed"] = {k: v for k, v in retimed.items() if k in summary["best_retimed"]}
    assert {k: v for k, v in written.items() if k in summary} == summary
    added = {k: v for k, v in written.items() if k not in summary}
    assert "problem" in added and all(v in ("", None) for v in added.values()), added
    # Its best claim, read back through the one best-so-far curve, is the search's figure
    # in the summary (before the final re-timing).
    assert list(best_so_far(nodes))[-1][2] == pytest.approx(typed.best_retimed.search_speedup)
    # Written back, each node is the line it was read from, but for the critic's spending
    # of an unjudged node, now spelled out as zeros where the old file had `{}` (the old
    # reader takes both), and fields added since, at their defaults.
    zero = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
    for node, line in zip(nodes, lines, strict=True):
        old, new = json.loads(line), node.to_dict()
        assert old.pop("critic_usage") in ({}, zero) and new.pop("critic_usage") == zero
        assert same_but_added(new, old)


def same_but_added(new: object, old: object) -> bool:
    """`new` equals `old` except for dict keys `old` lacks, which hold defaults (None)."""
    if isinstance(new, dict) and isinstance(old, dict):
        added = set(new) - set(old)
        return (set(old) <= set(new) and all(new[k] is None for k in added)
                and all(same_but_added(new[k], old[k]) for k in old))
    return new == old


def cut_inside(path: Path, line_index: int) -> int:
    """Cut the file in the middle of its line `line_index` (0-based), as a kill would."""
    raw = path.read_bytes()
    starts = [0] + [i + 1 for i, b in enumerate(raw) if b == ord("\n")]
    start, end = starts[line_index], starts[line_index + 1]
    path.write_bytes(raw[: start + (end - start) // 2])
    return start


def readers_view(run: Path) -> dict[str, list[int]]:
    """The node ids each reader of a run takes from it (judged ids where it only reads those)."""
    resume = [n.id for n in RunWriter(run).resume()]
    report = [n.id for n in load_run(run).tree.nodes]
    sweep = len(spend_curve(run))  # one point per candidate node
    replay = ReplayProposer(run_dir=str(run))
    rtg = sorted(e["node_id"] for e in examples_of_run(run, 1, 1.0, Bins()))
    tracker = PointReader(run / TRAJECTORY)
    tracker.read()
    return {"resume": resume, "report": report, "sweep": list(range(1, sweep + 1)),
            "replay": [0] + [n.id for n in replay.in_order], "rtg": [0] + rtg,
            "tracker": list(range(tracker.nodes + 1))}


def test_every_reader_takes_the_same_nodes_from_a_cut_trajectory(run):
    cut_inside(run / TRAJECTORY, 4)  # node 4's line half written
    # Read-only readers first: the resume below repairs the file.
    view = readers_view(run.parent / shutil.copytree(run, run.parent / "readonly").name)
    expected = [0, 1, 2, 3]
    assert view["report"] == view["replay"] == view["rtg"] == view["tracker"] == expected
    assert view["sweep"] == expected[1:]
    assert view["resume"] == expected


def test_a_garbled_line_stops_every_reader_there_not_just_some(run):
    path = run / TRAJECTORY
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2][: len(lines[2]) // 3] + "\n"  # whole lines after it: corruption, not a kill
    path.write_text("".join(lines))
    view = readers_view(run)
    assert view["report"] == view["replay"] == view["rtg"] == view["tracker"] == view["resume"] == [0, 1]


def test_resume_cuts_the_partial_line_so_appends_stay_readable(run):
    path = run / TRAJECTORY
    kept = cut_inside(path, 3)
    writer = RunWriter(run)
    nodes = writer.resume()
    assert path.stat().st_size == kept and [n.id for n in nodes] == [0, 1, 2]
    again = Node(id=3, parent_id=0, step=3, index=0, status=NodeStatus.NO_CODE, reply="x")
    writer.append(again)
    writer.close()
    assert [n.id for n in RunReader(run).nodes()] == [0, 1, 2, 3]
    assert read_lines(path).cut is False


def test_a_line_without_its_newline_is_not_yet_a_record(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}')  # the second write has not finished
    lines = read_lines(path)
    assert lines.rows == [{"a": 1}] and lines.cut and lines.end == len('{"a": 1}\n')
    # A follower reads on from where it stopped once the line is whole.
    path.write_text('{"a": 1}\n{"a": 2}\n')
    assert read_lines(path, start=lines.end).rows == [{"a": 2}]


def test_reader_never_changes_the_file(run):
    path = run / TRAJECTORY
    cut_inside(path, 2)
    before = path.read_bytes()
    reader = RunReader(run)
    assert [n.id for n in reader.nodes()] == [0, 1]
    assert any("not read" in p for p in reader.problems)
    assert path.read_bytes() == before


def test_sweep_results_keep_the_last_row_of_a_run_and_ignore_a_cut_row(tmp_path):
    results = SweepResults(tmp_path)
    results.append({"run_key": "a", "status": "failed"})
    results.append({"run_key": "b", "status": "finished"})
    results.append({"run_key": "a", "status": "finished"})
    with open(results.path, "a") as f:
        f.write('{"run_key": "c", "sta')
    latest = results.latest()
    assert {k[0]: r["status"] for k, r in latest.items()} == {"a": "finished", "b": "finished"}
    assert results.lines.cut
