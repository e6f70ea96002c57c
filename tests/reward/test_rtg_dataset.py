"""The reward-to-go dataset: returns over subtrees, bins, task splits, dedupe, the data
card, and one clear error for each bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from maxcode.records.diagnosis import Diagnosis
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus, ProposerInfo
from maxcode.records.run import RunWriter
from maxcode.records.summary import RunSummary
from maxcode.reward import dataset
from maxcode.reward.dataset import Bins, DatasetConfig
from maxcode.reward.errors import DatasetError
from rtg_synth import write_runs


def test_return_is_the_max_over_the_subtree_discounted():
    shape = [(0, None, None), (1, 0, 1.2), (2, 1, 0.0), (3, 2, 3.0), (4, 0, 2.0)]
    nodes = [Node(id=i, parent_id=p, step=0 if p is None else 1, index=0, reward=r,
                  status=NodeStatus.BASELINE if p is None else NodeStatus.OK) for i, p, r in shape]
    g = dataset.returns(nodes, gamma=0.5)
    assert g[3] == 3.0 and g[2] == 1.5 and g[1] == 1.2 and g[4] == 2.0
    assert dataset.returns(nodes, gamma=1.0)[1] == 3.0


def test_bins_follow_the_issue_edges():
    bins = Bins()
    assert bins.labels() == ["fail", "<0.9", "0.9-1.1", "1.1-1.5", "1.5-2", "2-4", ">=4"]
    assert [bins.index(g) for g in (0.0, 0.5, 1.0, 1.2, 1.7, 3.0, 4.0, 9.0)] == [0, 1, 2, 3, 4, 5, 6, 6]
    with pytest.raises(DatasetError, match="increasing"):
        Bins(edges=[2.0, 1.0])


def test_recorded_runs_become_examples_split_by_task_with_a_card(recorded_runs, tmp_path):
    out = tmp_path / "d.jsonl"
    header, examples, card = dataset.build(DatasetConfig(runs=[str(recorded_runs)], out=str(out)))
    dataset.write(out, header, examples, card)
    assert header["version"] == dataset.VERSION and len(examples) >= 15
    by_task: dict[str, set[str]] = {}
    for e in examples:
        by_task.setdefault(e["task_id"], set()).add(e["split"])
        assert e["prefix"][0]["node_id"] == 0 and "speedup" in e["prefix"][0]["feedback"]
    assert all(len(s) == 1 for s in by_task.values())  # never split inside a task
    assert {s for ss in by_task.values() for s in ss} == {"train", "test"}
    assert len({e["candidate_hash"] for e in examples}) == len(examples)
    written = json.loads(Path(str(out) + ".card.json").read_text())
    assert sum(written["per_bin"].values()) == len(examples) and len(written["per_run"]) == 5
    text = Path(str(out) + ".card.md").read_text()
    assert "| fail |" in text and f"{written['judged_nodes']} judged nodes from 5 runs over " in text
    assert dataset.load(out)[1] == examples


def test_the_dataset_and_its_card_go_through_the_projects_atomic_write(recorded_runs, tmp_path, monkeypatch):
    # One atomic write in the project (records/run.py); the dataset's new directory is made first.
    import maxcode.records.run

    written: list[str] = []

    def spy(path: Path, text: str) -> None:
        written.append(path.name)
        maxcode.records.run.atomic_write(path, text)

    monkeypatch.setattr(dataset, "atomic_write", spy)
    out = tmp_path / "new" / "d.jsonl"
    header, examples, card = dataset.build(DatasetConfig(runs=[str(recorded_runs)], out=str(out)))
    dataset.write(out, header, examples, card)
    assert written == ["d.jsonl", "d.jsonl.card.json", "d.jsonl.card.md"]
    assert dataset.load(out)[1] == examples and not list(out.parent.glob("*.tmp*"))


def test_duplicate_candidates_across_runs_are_kept_once(tmp_path):
    runs = write_runs(tmp_path / "a", tasks=2, per_task=4, seed=3)
    copy = tmp_path / "b" / "copy"
    copy.mkdir(parents=True)
    for name in ("trajectory.jsonl", "summary.json"):
        (copy / name).write_text((runs[0] / name).read_text())
    _, examples, card = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x"))
    assert card["per_run"][str(copy)] == {"task": "synth/00", "judged": 5, "kept": 0}
    assert len(examples) == 10
    # The card counts what was judged (the copy's 5 repeats too) apart from what was kept.
    assert (card["judged_nodes"], card["runs"], card["tasks"], card["examples"]) == (15, 3, 2, 10)


def test_longer_history_keeps_the_last_programs_of_the_path(tmp_path):
    write_runs(tmp_path, tasks=2, per_task=4)
    _, examples, _ = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x", history=2))
    deep = [e for e in examples if e["step"] == 2]
    assert deep and all([p["node_id"] for p in e["prefix"]] == [0, 1] for e in deep)


def test_bad_inputs_each_say_one_thing(tmp_path):
    empty_run = tmp_path / "empty"
    empty_run.mkdir()
    (empty_run / "trajectory.jsonl").write_text(json.dumps(
        {"id": 0, "parent_id": None, "step": 0, "index": 0, "status": "baseline", "source": "x"}) + "\n")
    with pytest.raises(DatasetError, match="no judged nodes"):
        dataset.build(DatasetConfig(runs=[str(empty_run)], out="x"))
    with pytest.raises(DatasetError, match="holds no trajectory"):
        dataset.build(DatasetConfig(runs=[str(_mk(tmp_path / "none"))], out="x"))
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps({"format": dataset.FORMAT, "version": 0}) + "\n")
    with pytest.raises(DatasetError, match="version 0"):
        dataset.load(old)
    other = tmp_path / "other.jsonl"
    other.write_text('{"prompt": "x"}\n')
    with pytest.raises(DatasetError, match="not a reward-to-go dataset"):
        dataset.load(other)


def _mk(path: Path) -> Path:
    path.mkdir()
    return path


def test_cli_writes_nothing_on_bad_input(tmp_path, capsys):
    from maxcode.cli.main import main

    out = tmp_path / "d.jsonl"
    assert main(["rtg", "dataset", f"runs=[{tmp_path / 'missing'}]", f"out={out}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: runs:") and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_run_cut_before_its_summary_joins_its_task(tmp_path):
    runs = write_runs(tmp_path / "a", tasks=2, per_task=4, seed=1)
    cut = tmp_path / "b" / "cut"
    cut.mkdir(parents=True)
    lines = (runs[0] / "trajectory.jsonl").read_text().splitlines()
    other = [json.loads(line) for line in lines]
    for node in other[1:]:  # other candidates of the same task, no summary.json
        node["source"] += "// again\n"
        node["source_hash"] = node["source_hash"][::-1]
    (cut / "trajectory.jsonl").write_text("".join(json.dumps(n) + "\n" for n in other))
    _, examples, _ = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x"))
    assert {e["task_id"] for e in examples} == {"synth/00", "synth/01"}
    assert len({e["split"] for e in examples if e["task_id"] == "synth/00"}) == 1


def test_a_cut_run_read_first_takes_its_name_from_a_finished_run_that_added_nothing(tmp_path):
    # Seen in the league: the cut run of a task sorts before the finished ones, whose
    # candidates it already holds, so no kept example carries the task's name.
    runs = write_runs(tmp_path / "b", tasks=1, per_task=4, seed=1)
    cut = tmp_path / "a" / "cut"
    cut.mkdir(parents=True)
    (cut / "trajectory.jsonl").write_text((runs[0] / "trajectory.jsonl").read_text())
    _, examples, card = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x"))
    assert card["per_run"][str(runs[0])]["kept"] == 0
    assert {e["task_id"] for e in examples} == {"synth/00"}


def test_examples_carry_rewrites_tags_parent_speedup_and_depth_but_no_file_names(tmp_path):
    def node(node_id, parent, step, index, source, reward, **fields):
        status = NodeStatus.BASELINE if parent is None else NodeStatus.OK
        return Node(id=node_id, parent_id=parent, step=step, index=index, status=status, source=source,
                    reward=reward, **fields)

    root = node(0, None, 0, 0, "int main(){}", None, diagnosis=Diagnosis(
        text="memory-bound", tags={"bottleneck": "memory_bound", "fault_line": 3, "critic_model": "x"}))
    first = node(1, 0, 1, 0, "int main(){/*a*/}", 2.0,
                 proposer=ProposerInfo(model="rewrites", meta={"rewrites": ["fast_io"], "rewrites_path": ["fast_io"]}),
                 evaluation=Evaluation(status=Status.OK, correct=True, speedup=2.0),
                 diagnosis=Diagnosis(text="", tags={"bottleneck": "compute_bound"}))
    second = node(2, 1, 2, 0, "int main(){/*b*/}", 3.0, proposer=ProposerInfo(
        model="rewrites", meta={"rewrites": ["reserve"], "rewrites_path": ["fast_io", "reserve"]}))
    library = node(3, 0, 1, 1, "int main(){/*c*/}", 1.5, proposer=ProposerInfo(
        model="library", meta={"variant": "benchmarks/x/faster.cpp"}))
    run = tmp_path / "run"
    writer = RunWriter(run, durable=False)
    for n in (root, first, second, library):
        writer.append(n)
    writer.close()
    got = {e["node_id"]: e for e in dataset.examples_of_run(run, 1, 1.0, Bins())}
    assert got[1]["rewrites"] == ["fast_io"] and got[1]["tags"] == {"bottleneck": "memory_bound"}
    assert got[1]["parent_speedup"] == 1.0 and got[1]["depth"] == 1
    assert got[2]["rewrites"] == ["fast_io", "reserve"] and got[2]["tags"] == {"bottleneck": "compute_bound"}
    assert got[2]["parent_speedup"] == 2.0 and got[2]["depth"] == 2
    assert got[3]["rewrites"] == [] and "faster.cpp" not in json.dumps(got[3])


def test_a_return_carries_the_interval_of_the_speedup_it_came_from():
    def node(i, parent, reward, ci=None):
        ev = None if parent is None else Evaluation(status=Status.OK, correct=reward > 0, speedup=reward or None,
                                                    speedup_ci=ci)
        return Node(id=i, parent_id=parent, step=0 if parent is None else 1, index=0, reward=reward, evaluation=ev,
                    status=NodeStatus.BASELINE if parent is None else NodeStatus.OK)
    nodes = [node(0, None, None), node(1, 0, 1.5, (1.4, 1.6)), node(2, 1, 3.0, (2.5, 3.5)), node(3, 0, 0.0)]
    got = dataset.returns_with_intervals(nodes, gamma=0.5)
    assert got[2] == (3.0, 2.5, 3.5)
    assert got[1] == (1.5, 1.4, 1.6)  # its own 1.5 ties the child's discounted 1.5: its own kept
    assert got[3] == (0.0, 0.0, 0.0) and got[0] == (0.75, 0.7, 0.8)


def _one_step_run(tmp_path: Path, name: str, task_id: str, problem: str, speedup: float) -> None:
    writer = RunWriter(tmp_path / name, durable=False)
    writer.append(Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE,
                       source=f"int main(){{/*{name}*/}}", source_hash=name))
    writer.append(Node(id=1, parent_id=0, step=1, index=0, status=NodeStatus.OK, reward=speedup,
                       source=f"int main(){{/*{name}+*/}}", evaluation=Evaluation(
                           status=Status.OK, correct=True, speedup=speedup)))
    writer.write_summary(RunSummary(task_id=task_id, strategy="synthetic", run_dir=str(writer.dir), problem=problem))
    writer.close()


def test_old_records_of_kernelbench_levels_are_not_one_problem(tmp_path):
    # Recorded before Task.problem named the level: level1/3 and level2/3 both said "kb/3".
    _one_step_run(tmp_path, "a", "kb/level1/3_Softmax", "kb/3", 1.2)
    _one_step_run(tmp_path, "b", "kb/level2/3_Conv_Tanh", "kb/3", 0.9)
    _, examples, _ = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x", test_tasks=["kb/level1/3_Softmax"]))
    assert {e["task_id"]: (e["problem"], e["split"]) for e in examples} == {
        "kb/level1/3_Softmax": ("kb/level1/3", "test"), "kb/level2/3_Conv_Tanh": ("kb/level2/3", "train")}


def test_submissions_of_one_problem_stay_on_one_side_of_the_split(tmp_path):
    for p in range(4):
        for s in range(3):
            _one_step_run(tmp_path, f"p{p}s{s}", f"pie/p{p}/s{s}", f"pie/p{p}", 1.0 + p + s / 10)
    for seed in range(8):
        _, examples, _ = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x", seed=seed, test_fraction=0.25))
        sides: dict[str, set[str]] = {}
        for e in examples:
            sides.setdefault(e["problem"], set()).add(e["split"])
        assert all(len(s) == 1 for s in sides.values()) and {"test"} in sides.values()
    # Naming one submission holds out its whole problem.
    _, examples, _ = dataset.build(DatasetConfig(runs=[str(tmp_path)], out="x", test_tasks=["pie/p2/s0"]))
    assert {e["task_id"] for e in examples if e["split"] == "test"} == {"pie/p2/s0", "pie/p2/s1", "pie/p2/s2"}
