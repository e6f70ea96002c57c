"""Reward-to-go reranking in the loop: K proposals scored, the best `rank_keep` judged, the
rest recorded as `skipped` with their scores; and the `ranker=` config group's wiring."""

from __future__ import annotations

import pytest
from loop_fakes import ScriptedProposer
from maxcode.records.node import NodeStatus
from maxcode.records.run import RunWriter
from maxcode.reward import dataset, train
from omegaconf import OmegaConf
from rtg_synth import write_runs

from maxcode.budget import Budget
from maxcode.config import load_config, make
from maxcode.errors import ConfigError
from maxcode.ranking import RewardToGoRanker
from maxcode.search.best_of_n import BestOfN


@pytest.fixture(scope="module")
def features_model(tmp_path_factory):
    """A features ranker trained on SYNTHETIC runs where `#pragma fast_path` means fast."""
    root = tmp_path_factory.mktemp("rtg")
    write_runs(root / "runs", tasks=12, per_task=6)
    data = root / "d.jsonl"
    dataset.write(data, *dataset.build(dataset.DatasetConfig(runs=[str(root / "runs")], out=str(data))))
    return train.run(train.TrainConfig(data=str(data), out=str(root / "features"), kind="features"))


def reply(marker: str, speed: float) -> str:
    body = f"{marker}\n" * 3 if marker else ""
    return f"```cpp\nint main() {{\n{body}  // SPEED={speed}\n  return 0;\n}}\n```\n"


def test_reranking_judges_the_best_m_and_records_the_skipped_with_scores(make_search, features_model, tmp_path):
    replies = [reply("#pragma slow_path", 0.6), reply("// broken", 0.5), reply("#pragma fast_path", 5.0),
               reply("", 1.0)]
    search = make_search(BestOfN(n=4, batch=4), ScriptedProposer(replies), rank_keep=2,
                         budget=Budget(max_evaluations=2, max_wall_s=None), run_dir=tmp_path / "run")
    search.ranker = RewardToGoRanker(str(features_model), kind="features")
    search.run()
    nodes = {n.index: n for n in search.tree.candidates()}
    assert search.meter.usage().evaluations == 2
    assert nodes[2].status is NodeStatus.OK and nodes[2].speedup == 5.0  # the fast one is judged
    skipped = [n for n in nodes.values() if n.status is NodeStatus.SKIPPED]
    judged = [n for n in nodes.values() if n.evaluated]
    assert len(skipped) == 2 and len(judged) == 2
    assert all(n.rank_score is not None for n in nodes.values())
    assert min(n.rank_score for n in judged) >= max(n.rank_score for n in skipped)
    assert all("ranked below rank_keep (score" in n.message for n in skipped)
    # The record on disk holds the scores too (what an audit reads).
    on_disk = {n.index: n for n in RunWriter(tmp_path / "run").resume() if n.step == 1}
    assert on_disk[2].rank_score == nodes[2].rank_score
    assert {i for i, n in on_disk.items() if n.status is NodeStatus.SKIPPED} == {n.index for n in skipped}


def test_ranker_group_builds_the_ranker_and_refuses_bad_paths(features_model, tmp_path):
    cfg = load_config(["ranker=features", f"ranker.path={features_model}", "loop.rank_keep=2",
                       "proposer=library"])
    made = make(cfg.ranker, "ranker", convert="all")
    assert isinstance(made, RewardToGoRanker) and cfg.loop.rank_keep == 2
    with pytest.raises(ConfigError, match="needs a trained model"):
        make(load_config(["ranker=rtg"]).ranker, "ranker", convert="all")
    with pytest.raises(ConfigError, match="ranker=rtg was given a features model"):
        make(load_config(["ranker=rtg", f"ranker.path={features_model}"]).ranker, "ranker", convert="all")
    preset = load_config(["experiment=fsr_maxcode_rtg", f"ranker.path={features_model}"])
    assert preset.ranker.kind == "lm" and preset.loop.rank_keep == 2 and preset.observation.history
    assert OmegaConf.select(load_config([]), "ranker") is None


def test_a_resumed_reranked_step_records_no_node_twice(make_search, features_model, tmp_path):
    replies = [reply("#pragma slow_path", 0.6), reply("#pragma fast_path", 5.0), reply("", 1.0)]
    for _ in range(2):
        search = make_search(BestOfN(n=3, batch=3), ScriptedProposer(replies), rank_keep=1,
                             budget=Budget(max_evaluations=1, max_wall_s=None), run_dir=tmp_path / "run")
        search.ranker = RewardToGoRanker(str(features_model), kind="features")
        search.run()
    nodes = RunWriter(tmp_path / "run").resume()
    assert [n.status for n in nodes[1:]].count(NodeStatus.SKIPPED) == 2
    assert len((tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()) == 4


def test_reranking_proposes_k_under_an_evaluation_cap_and_judges_the_best(make_search, features_model, tmp_path):
    replies = [reply("", 1.0), reply("#pragma slow_path", 0.6), reply("#pragma fast_path", 5.0),
               reply("// broken", 0.5)]
    search = make_search(BestOfN(n=4, batch=4), ScriptedProposer(replies), rank_keep=1,
                         budget=Budget(max_evaluations=1, max_wall_s=None), run_dir=tmp_path / "run")
    search.ranker = RewardToGoRanker(str(features_model), kind="features")
    search.run()
    nodes = search.tree.candidates()
    assert len(nodes) == 4 and search.meter.usage().evaluations == 1
    assert [n.speedup for n in nodes if n.evaluated] == [5.0]


def test_a_ranker_refuses_a_task_it_was_trained_on(make_search, features_model, tmp_path):
    from dataclasses import replace

    from loop_fakes import TASK

    trained_on = replace(TASK, id="synth/03")  # one of the synthetic training tasks
    replies = [reply("#pragma fast_path", 5.0), reply("", 1.0)]
    search = make_search(BestOfN(n=2, batch=2), ScriptedProposer(replies), rank_keep=1, run_dir=tmp_path / "run")
    search.task = trained_on
    search.ranker = RewardToGoRanker(str(features_model), kind="features")
    with pytest.raises(ConfigError, match="was trained on task synth/03"):
        search.run()
    allowed = RewardToGoRanker(str(features_model), kind="features", allow_train_tasks=True)
    assert len(allowed.score(trained_on, [([], "int main() { return 0; }", {})])) == 1
