"""`ranker=online`: the Bayesian linear model's posterior (it learns an effect, its
uncertainty shrinks where it measured and stays at the prior where it did not), the
ranker's settings checked, tokens from the proposers' fields, and, in a real loop over the
space proposer with a judge whose speed follows the configuration, a search that learns
what to measure: it finds the fast settings in fewer judgements than the proposal order."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from loop_fakes import FakeJudge
from maxcode.benchmarks.task import Task
from maxcode.records.evaluation import Evaluation, Status
from maxcode.records.node import Node, NodeStatus, Prediction, ProposerInfo
from maxcode.reward.online import BayesianLinearModel, OnlineConfig

from maxcode.budget import Budget
from maxcode.errors import ConfigError
from maxcode.proposers.space import SpaceProposer
from maxcode.ranking import OnlineRanker, tokens_of
from maxcode.report import write_report
from maxcode.report.calibration import calibration
from maxcode.search.refine import Refine

RANGE_SUM = (Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "pie_mini" / "pm01_range_sum"
             / "slow.cpp").read_text()


def test_the_model_learns_an_effect_and_knows_what_it_has_not_measured():
    rng = np.random.default_rng(0)
    rows, targets = [], []
    for _ in range(40):
        tokens = [t for t in ("a", "b", "c") if rng.random() < 0.5]
        rows.append(tokens)
        targets.append(math.log(2.0) * ("a" in tokens) - 0.2 * ("c" in tokens) + rng.normal(0, 0.05))
    model = BayesianLinearModel(OnlineConfig(prior_sd=1.0, noise_sd=0.1)).fit(rows, targets, also=[["z"]])
    mean, sd = model.predict([["a"], ["b"], ["c"], ["z"], []])
    assert abs(mean[0] - mean[4] - math.log(2.0)) < 0.1 and abs(mean[2] - mean[4] + 0.2) < 0.1
    assert abs(mean[1] - mean[4]) < 0.1
    assert sd[3] > 0.9 > 0.2 > sd[0]  # "z" never measured: its prior; "a" measured 20-odd times
    draws = np.array([model.sample([["a"], ["z"]], np.random.default_rng(s)) for s in range(300)])
    assert draws[:, 1].std() > 3 * draws[:, 0].std()  # Thompson draws explore the unmeasured
    paired = BayesianLinearModel(OnlineConfig(pairs=True)).fit([["a", "b"]], [1.0])
    assert "a&b" in paired.vocabulary


def test_the_ranker_refuses_settings_it_cannot_use():
    with pytest.raises(ConfigError, match="explore"):
        OnlineRanker(explore="greedy")
    with pytest.raises(ConfigError, match="failed_speedup"):
        OnlineRanker(failed_speedup=0.0)


def test_tokens_come_from_the_proposers_fields():
    assert tokens_of({"space": {"base": "cpu", "config": {"unroll": "4", "omp_schedule": "dynamic"}}}) == [
        "base=cpu", "omp_schedule=dynamic", "unroll=4"]
    assert tokens_of({"rewrites": ["fast_io"], "rewrites_path": ["fast_io", "pragma_optimize"]}) == [
        "fast_io", "pragma_optimize"]
    assert tokens_of({}) == [] and tokens_of(None) == []


class ConfigJudge(FakeJudge):
    """Speed from what the program holds: the O3 pragma 2x, fast I/O 1.5x, an AVX2 target 1.2x;
    Ofast answers wrong. A stand-in for the real judge: the ranker and loop are under test."""

    def __call__(self, task, source, incumbent=None, full_budget=False):
        super().__call__(task, source)
        if '"Ofast"' in source:
            return Evaluation.failure(Status.WRONG_ANSWER, "output differs on test 1")
        speed = 1.0
        speed *= 2.0 if re.search(r'optimize\("O3"\)', source) else 1.0
        speed *= 1.5 if "sync_with_stdio" in source else 1.0
        speed *= 1.2 if re.search(r'target\("avx2"\)', source) else 1.0
        return Evaluation(status=Status.OK, correct=True, message="ok", speedup=speed,
                          speedup_ci=(speed * 0.97, speed * 1.03), significant=speed > 1.0)


def _best_after(make_search, tmp_path, seed: int, ranker, evaluations: int) -> float:
    search = make_search(Refine(steps=None, samples=16), SpaceProposer(), run_dir=tmp_path / f"run{seed}{ranker}",
                         budget=Budget(max_evaluations=evaluations, max_wall_s=None), judge=ConfigJudge(),
                         rank_keep=2, task=Task(id="pm01", family="cpp", language="cpp", baseline_source=RANGE_SUM))
    search.seed = seed
    search.ranker = ranker
    search.run()
    judged = [n for n in search.tree.candidates() if n.evaluated]
    assert len(judged) <= evaluations
    if ranker is not None:
        assert all(n.rank_score is not None for n in judged)
    return max((n.speedup or 0.0) for n in judged if n.correct)


def test_in_a_search_the_online_ranker_finds_fast_settings_in_fewer_judgements(make_search, tmp_path):
    online = [_best_after(make_search, tmp_path, seed, OnlineRanker(seed=seed), 12) for seed in range(6)]
    order = [_best_after(make_search, tmp_path, seed, None, 12) for seed in range(6)]
    assert sum(online) > sum(order), (online, order)
    assert sum(b >= 3.0 for b in online) > sum(b >= 3.0 for b in order), (online, order)


def test_every_judged_candidate_carries_its_forecast_and_the_report_shows_their_calibration(make_search, tmp_path):
    """The forecast is made before the judgement, from earlier measurements only: a held-out
    test of the model, which on a judge whose speed is a product of settings (the model's own
    form) learns to forecast well; the run report draws forecasts against measurements."""
    run_dir = tmp_path / "run"
    search = make_search(Refine(steps=None, samples=16), SpaceProposer(), run_dir=run_dir,
                         budget=Budget(max_evaluations=16, max_wall_s=None), judge=ConfigJudge(), rank_keep=2,
                         task=Task(id="pm01", family="cpp", language="cpp", baseline_source=RANGE_SUM))
    search.ranker = OnlineRanker(seed=1, explore="mean")
    search.run()
    judged = [n for n in search.tree.candidates() if n.evaluated]
    assert judged and all(n.rank_prediction is not None for n in judged)
    assert all(p.low < p.speedup < p.high for p in (n.rank_prediction for n in judged))
    skipped = [n for n in search.tree.candidates() if n.status is NodeStatus.SKIPPED]
    assert skipped and all(n.rank_prediction is not None for n in skipped)
    assert Node.from_json(judged[0].to_json()).rank_prediction == judged[0].rank_prediction
    late = calibration(judged[len(judged) // 2:])
    assert late.coverage >= 0.75 and late.typical_factor < 1.3, late
    assert calibration(judged[:len(judged) // 2]).typical_factor > late.typical_factor  # it learned

    page = write_report(run_dir).read_text()
    assert "forecasts against measurements" in page and "fell inside its 90% interval" in page
    assert (run_dir / "calibration.svg").exists()
    assert "forecast against measured speedup" in (run_dir / "report.md").read_text()


def test_calibration_counts_what_falls_inside_and_what_failed():
    def node(i, predicted, measured, correct=True):
        return Node(id=i, parent_id=0, step=1, index=i, status=NodeStatus.OK, evaluated=True,
                    rank_prediction=Prediction(predicted, predicted / 1.5, predicted * 1.5),
                    evaluation=Evaluation(status=Status.OK if correct else Status.WRONG_ANSWER, correct=correct,
                                          speedup=measured if correct else None))
    c = calibration([node(1, 1.0, 1.2), node(2, 2.0, 4.0), node(3, 3.0, 2.5), node(4, 1.0, None, correct=False),
                     Node(id=5, parent_id=0, step=1, index=5, status=NodeStatus.OK, evaluated=True,
                          evaluation=Evaluation(status=Status.OK, correct=True, speedup=9.0))])
    assert [p.node for p in c.points] == [1, 2, 3] and c.failed == 1
    assert c.coverage == pytest.approx(2 / 3) and c.spearman == pytest.approx(0.5)
    assert c.typical_factor == pytest.approx(1.2)
    assert calibration([]) is None


def test_free_form_programs_keep_the_proposal_order():
    """An LLM's programs carry no configuration: the model can only score their bias, so every
    candidate gets the same score and the loop keeps the proposal order (its sort is stable)."""
    ranker = OnlineRanker(seed=3)
    task = Task(id="t", family="cpp", language="cpp", baseline_source="int main() {}")
    scores = ranker.score(task, [([], f"int main() {{ return {i}; }}", {"finish_reason": "stop"}) for i in range(5)])
    assert len(set(scores)) == 1
    # With a configured program measured fast, one of the same configuration scores above the rest.
    fast = Node(id=1, parent_id=0, step=1, index=0, status=NodeStatus.OK, evaluated=True,
                proposer=ProposerInfo(meta={"space": {"base": "parent", "config": {"gcc_optimize": "O3"}}}),
                evaluation=Evaluation(status=Status.OK, correct=True, speedup=3.0))
    ranker = OnlineRanker(seed=3, explore="mean")
    ranker.learn(task, [fast])
    contexts = [([], "a", {}), ([], "b", {"space": {"base": "parent", "config": {"gcc_optimize": "O3"}}})]
    plain, configured = ranker.score(task, contexts)
    assert configured > plain > 1.0  # the bias learned the run's programs are fast, the setting more so


def test_a_prior_from_other_tasks_warm_starts_the_model_and_leaves_the_runs_task_out(tmp_path):
    """TenSet's idea: O3 was fast on other tasks, so before this run has measured anything
    the O3 program ranks first; the run's own task in the data is not used (no leak)."""
    data = tmp_path / "prior.jsonl"

    def row(task, rewrites, reward):
        return json.dumps({"task_id": task, "rewrites": rewrites, "reward": reward})
    rows = [row(f"other/{i}", ["gcc_optimize=O3"], 2.0) for i in range(6)]
    rows += [row(f"other/{i}", ["gcc_target=avx2"], 0.0) for i in range(6)]  # wrong: counts as 0.5x
    rows += [row("pm01", ["gcc_target=avx2"], 4.0) for _ in range(20)]  # this task: left out
    data.write_text("\n".join([json.dumps({"format": "maxcode-rtg-dataset", "version": 2}), *rows]) + "\n")
    task = Task(id="pm01", family="cpp", language="cpp", baseline_source="int main() {}")
    contexts = [([], "a", {"space": {"base": "parent", "config": {"gcc_target": "avx2"}}}), ([], "b", {}),
                ([], "c", {"space": {"base": "parent", "config": {"gcc_optimize": "O3"}}})]
    warm = OnlineRanker(explore="mean", prior_data=str(data))
    warm.learn(task, [])
    avx2, plain, o3 = warm.score(task, contexts)
    assert o3 > plain > avx2
    assert warm.prior_mean["gcc_optimize=O3"] > 0 > warm.prior_mean["gcc_target=avx2"]
    cold = OnlineRanker(explore="mean")
    cold.learn(task, [])
    assert len(set(cold.score(task, contexts))) == 1
    with pytest.raises(ConfigError, match="ranker.prior_data"):
        OnlineRanker(prior_data=str(tmp_path / "missing.jsonl"))
