"""The lambdarank ranker (LightGBM LambdaRank within sibling pools), real LightGBM on
SYNTHETIC runs written as a real run is, read back through `maxcode.reward.dataset`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus, ProposerInfo, source_hash
from maxcode.records.run import RunWriter
from maxcode.records.summary import RunSummary
from maxcode.reward import dataset, train
from maxcode.reward.errors import ModelError
from maxcode.reward.lambdarank import LambdaRankScorer, grades
from maxcode.reward.load_scorer import load_scorer
from rtg_synth import write_runs

from maxcode.cli.main import main
from maxcode.config import load_config, make
from maxcode.errors import ConfigError
from maxcode.ranking import RewardToGoRanker

# Per task, one pool of four siblings: the candidate made by `fast_io` always returns the most.
REWRITES = {"fast_io": 3.0, "unroll": 1.0, "reserve": 0.7, "inline": None}  # None: wrong answer
UNSEEN = "synth/20"


def _node(node_id: int, parent: int, step: int, index: int, rewrite: str, speed: float | None,
          rng: random.Random, task: int) -> Node:
    # Tokens drawn per task: no program token carries across tasks, only the rewrite's name.
    source = "\n".join(f"t{task}_{rng.randrange(10**6)} = {rng.randrange(99)};" for _ in range(6))
    if speed is None:
        ev, status, reward = Evaluation.failure(Status.WRONG_ANSWER, "output differs"), NodeStatus.WRONG_ANSWER, 0.0
    else:
        speed *= rng.uniform(0.97, 1.03)
        ev = Evaluation(status=Status.OK, correct=True, message="ok (synthetic)", speedup=speed,
                        speedup_ci=(speed * 0.98, speed * 1.02), significant=True)
        status, reward = NodeStatus.OK, speed
    return Node(id=node_id, parent_id=parent, step=step, index=index, status=status, source=source,
                source_hash=source_hash(source), reply=source,
                proposer=ProposerInfo(model="rewrites", meta={"rewrites": [rewrite], "rewrites_path": [rewrite]}),
                evaluation=ev, reward=reward, evaluated=True, message=ev.message)


def write_rewrite_runs(root: Path, tasks: int = 21) -> None:
    """A run per task: the baseline, four siblings in a drawn order (the unseen task's puts
    `fast_io` last, so proposer order is no guide), and one child of `fast_io` (a pool of one)."""
    rng = random.Random(0)
    for t in range(tasks):
        store = RunWriter(root / f"run{t:02d}", durable=False)
        store.open("synthetic: true\n")
        base = f"int main() {{ return {t}; }}\n"
        nodes = [Node(id=0, parent_id=None, step=0, index=0, status=NodeStatus.BASELINE, source=base,
                      source_hash=source_hash(base), message="the task's program")]
        order = list(REWRITES)
        rng.shuffle(order)
        if f"synth/{t:02d}" == UNSEEN:
            order = ["inline", "reserve", "unroll", "fast_io"]
        for i, name in enumerate(order):
            nodes.append(_node(len(nodes), 0, 1, i, name, REWRITES[name], rng, t))
        fast = next(n.id for n in nodes if n.proposer.meta.get("rewrites") == ["fast_io"])
        nodes.append(_node(len(nodes), fast, 2, 0, "unroll", 1.0, rng, t))
        for node in nodes:
            store.append(node)
        store.write_summary(RunSummary(task_id=f"synth/{t:02d}", strategy="synthetic", run_dir=str(store.dir)))
        store.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lambdarank")
    write_rewrite_runs(root / "runs")
    path = root / "d.jsonl"
    dataset.write(path, *dataset.build(dataset.DatasetConfig(runs=[str(root / "runs")], out=str(path),
                                                             test_tasks=[UNSEEN])))
    return path


@pytest.fixture(scope="module")
def model(data, tmp_path_factory) -> Path:
    return train.run(train.TrainConfig(data=str(data), out=str(tmp_path_factory.mktemp("m") / "lr"),
                                       kind="lambdarank"))


def _unseen(data: Path) -> list[dict]:
    _, examples = dataset.load(data)
    return [e for e in examples if e["task_id"] == UNSEEN and e["parent_id"] == 0]


def test_it_learns_the_rewrite_that_is_best_in_every_pool_and_ranks_an_unseen_task_by_it(data, tmp_path, capsys):
    out = tmp_path / "lr"
    assert main(["rtg", "train", f"data={data}", "kind=lambdarank", f"out={out}"]) == 0
    pool = _unseen(data)
    assert [e["rewrites"][0] for e in pool] == ["inline", "reserve", "unroll", "fast_io"]  # proposer order
    scores = load_scorer(out).score(pool)
    ranked = [e["rewrites"][0] for _, e in sorted(zip(scores, pool, strict=True), key=lambda p: -p[0])]
    assert ranked[0] == "fast_io", (ranked, scores)
    # `rtg eval` reads this kind as it reads the others: the pool's best is judged first.
    assert main(["rtg", "eval", f"model={out}", f"data={data}", f"out={tmp_path / 'eval.json'}"]) == 0
    result = json.loads((tmp_path / "eval.json").read_text())
    assert result["kind"] == "lambdarank" and result["pools"] == 1
    assert result["evaluations_to_best"] == {"model": 1.0, "proposer": 4.0, "random_expected": 2.5, "oracle": 1.0}
    saved = json.loads((out / "rtg_config.json").read_text())
    assert UNSEEN not in saved["train_tasks"] and len(saved["train_tasks"]) == 20


def test_a_saved_model_loads_and_scores_identically(data, tmp_path):
    header, examples = dataset.load(data)
    scorer = LambdaRankScorer(dataset.bins_of(header), int(header["history"]))
    scorer.fit([e for e in examples if e["split"] == "train"])
    scorer.save(tmp_path, {"dataset_version": dataset.VERSION, "train_tasks": []})
    loaded = load_scorer(tmp_path)
    assert isinstance(loaded, LambdaRankScorer)
    before = scorer.score(examples)
    assert len(set(before)) > 2  # a constant model would round-trip trivially
    assert loaded.score(examples) == before


def test_a_dataset_of_pools_of_one_is_refused_saying_what_it_needs(tmp_path):
    # One candidate from the baseline and its one child, per task: no two siblings anywhere.
    write_runs(tmp_path / "runs", tasks=4, per_task=1)
    path = tmp_path / "d.jsonl"
    dataset.write(path, *dataset.build(dataset.DatasetConfig(runs=[str(tmp_path / "runs")], out=str(path),
                                                             test_fraction=0)))
    with pytest.raises(ModelError, match="no sibling pool of two or more") as err:
        train.run(train.TrainConfig(data=str(path), out=str(tmp_path / "m"), kind="lambdarank"))
    assert "several proposals per parent" in err.value.fix
    assert not (tmp_path / "m").exists()


def test_ranker_lambdarank_is_built_from_its_conf_file_and_refuses_its_training_tasks(model, data):
    made = make(load_config(["ranker=lambdarank", f"ranker.path={model}"]).ranker, "ranker", convert="all")
    assert isinstance(made, RewardToGoRanker) and isinstance(made.scorer, LambdaRankScorer)
    unseen = Task(id=UNSEEN, family="cpp", language="cpp", baseline_source="int main() { return 20; }\n")
    pool = _unseen(data)
    contexts = [([], e["candidate"], {"rewrites": e["rewrites"]}) for e in pool]
    assert len(made.score(unseen, contexts)) == 4
    with pytest.raises(ConfigError, match="was trained on task synth/03"):
        made.score(Task(id="synth/03", family="cpp", language="cpp", baseline_source=""), contexts)
    with pytest.raises(ConfigError, match="use ranker=lambdarank"):
        make(load_config(["ranker=features", f"ranker.path={model}"]).ranker, "ranker", convert="all")


def test_returns_whose_intervals_overlap_share_a_grade():
    examples = [{"return": 3.0, "return_ci": [2.9, 3.1]}, {"return": 2.95, "return_ci": [2.8, 3.0]},
                {"return": 1.0, "return_ci": [0.9, 1.1]}, {"return": 0.0, "return_ci": [0.0, 0.0]}]
    assert grades([0, 1, 2, 3], examples) == {0: 2, 1: 2, 2: 1, 3: 0}
    for e in examples:  # without intervals the raw values decide, as in rtg eval
        del e["return_ci"]
    assert grades([0, 1, 2, 3], examples) == {0: 3, 1: 2, 2: 1, 3: 0}
