"""`maxcode report` on real recorded runs and a sweep assembled from them, opened in
headless Chromium: the page renders without console errors and shows the tree picture and
the curves; bad input gives a report of what is there or one line, never a traceback.

Two real searches are recorded once per module (the C++ judge on the local sandbox, the
library proposer): a finished tree search, and a best-of-n search stopped with Ctrl-C
(SIGINT) after its first node, which must leave its report behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import interruptible
import pytest

from maxcode.cli.main import main
from maxcode.report import write_report

REPO = Path(__file__).resolve().parents[2]
PROBLEM = REPO / "benchmarks" / "suites" / "pie_mini" / "pm01_range_sum"
# Up to 10 s for a candidate still without an interval: under load, 4 s gave the fixture's 13x
# seven rounds, too few to claim it, and the headline test had no best to show.
QUICK = [str(PROBLEM / "slow.cpp"), f"tests={PROBLEM / 'tests'}", "sandbox=local", "proposer=library",
         "cpp_timing.max_seconds=2", "cpp_timing.interval_max_seconds=10"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                    "(scripts/install.sh installs Debian's `chromium`)")
OK_GREEN = (0x4A, 0xC2, 0x6B)
"""The fill colour of an `ok` node in the tree picture (figures.STATUS_COLORS)."""


def interrupt_after_first_node(proc: subprocess.Popen, trajectory: Path) -> None:
    """Ctrl-C (SIGINT) to `proc` once its trajectory holds the root and one node."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if trajectory.exists() and len(trajectory.read_text().splitlines()) >= 2:
            proc.send_signal(signal.SIGINT)
            return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict[str, Path]:
    """Both searches at once (their timings take turns through the sandbox's timing lease)."""
    root = tmp_path_factory.mktemp("recorded")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MAXCODE_CACHE_DIR", str(root / "cache"))
        interrupted = root / "runs" / "pm01__best_of_n__0"
        cmd = [sys.executable, "-m", "maxcode.cli.main", "optimize", *QUICK, "strategy=best_of_n",
               "strategy.n=4", "strategy.batch=1", "loop.workers=1", f"run_dir={interrupted}", "--quiet"]
        proc = interruptible.popen(cmd, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        watcher = threading.Thread(target=interrupt_after_first_node,
                                   args=(proc, interrupted / "trajectory.jsonl"), daemon=True)
        watcher.start()
        finished = root / "runs" / "pm01__tree_search__0"
        assert main(["optimize", *QUICK, "strategy=tree", "budget.max_evaluations=3",
                     f"run_dir={finished}", "--quiet"]) == 0
        watcher.join(timeout=240)
        assert proc.wait(timeout=120) == 130, "the run was not interrupted by Ctrl-C"
    return {"root": root, "finished": finished, "interrupted": interrupted}


def chromium(page: Path, out: Path) -> tuple[str, str]:
    """(DOM after rendering, console messages) of `page`, plus a screenshot at `out`."""
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = subprocess.run([*flags, "--window-size=1300,2600", f"--screenshot={out}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and out.stat().st_size > 10_000, shot.stderr[-2000:]
    console = [line for line in (dom.stderr + shot.stderr).splitlines() if ":CONSOLE" in line]
    return dom.stdout, "\n".join(console)


def assert_self_contained(html: str) -> None:
    """Opens from disk with no network: nothing is fetched, no script runs."""
    for forbidden in ("<script", "<link", " src=", "@import", "href='http", 'href="http'):
        assert forbidden not in html, forbidden
    assert not re.search(r"url\((?!#)", html), "only in-page url(#id) references"


def pixels(png: Path) -> set[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(png) as image:
        return {c[:3] for _, c in image.convert("RGB").getcolors(maxcolors=1 << 24)}


def test_optimize_writes_the_report_and_ctrl_c_leaves_one(recorded):
    for run in (recorded["finished"], recorded["interrupted"]):
        for name in ("report.html", "report.md", "best_speedup.png", "tree.svg", "curves.svg"):
            assert (run / name).is_file(), (run, name)
    summary = json.loads((recorded["interrupted"] / "summary.json").read_text())
    assert summary["stop_reason"] == "interrupted"
    html = (recorded["interrupted"] / "report.html").read_text()
    assert "stopped</td><td>interrupted" in html and "node-1" in html


@needs_chromium
def test_run_report_renders_in_chromium(recorded, tmp_path, capsys):
    run = recorded["finished"]
    assert main(["report", str(run)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"report: {run / 'report.html'}"
    html = (run / "report.html").read_text()
    assert_self_contained(html)
    summary = json.loads((run / "summary.json").read_text())
    nodes = [json.loads(line) for line in (run / "trajectory.jsonl").read_text().splitlines()]
    for node in nodes:  # every node: a section, a row, a box in the tree linking to it
        assert f"id='node-{node['id']}'" in html and f'href="#node-{node["id"]}"' in html
    if summary["best_node"] is not None:
        assert f"{summary['best_speedup']:.3f}x faster" in html
        assert "the best program's diff against the baseline" in html and "+++ best (node" in html
    dom, console = chromium(run / "report.html", tmp_path / "run.png")
    assert console == "", console
    assert dom.count('class="node"') == len(nodes)  # graphviz's node groups, in the rendered DOM
    assert "id=\"curves\"" in dom and "judge evaluations" in dom and "LLM calls" in dom and "wall time (s)" in dom
    assert OK_GREEN in pixels(tmp_path / "run.png")  # the tree's ok nodes were painted


def test_text_mode_prints_the_verdict_and_writes_nothing(recorded, tmp_path, capsys):
    run = tmp_path / "copy"
    shutil.copytree(recorded["finished"], run)
    (run / "report.html").unlink()
    assert main(["report", str(run), "--text"]) == 0
    out = capsys.readouterr().out
    summary = json.loads((run / "summary.json").read_text())
    assert "verdict" in out and summary["stop_reason"] in out and "top 10 nodes by speedup" in out
    assert not (run / "report.html").exists()


def test_damaged_runs_get_a_report_of_what_is_there(recorded, tmp_path):
    cut = tmp_path / "cut"
    shutil.copytree(recorded["finished"], cut)
    original = (cut / "trajectory.jsonl").read_bytes()
    lines = original.splitlines(keepends=True)
    last_id = json.loads(lines[-1])["id"]  # lines are in finishing order, not id order
    (cut / "trajectory.jsonl").write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    (cut / "summary.json").unlink()
    html = write_report(cut).read_text()
    cut_bytes = len(lines[-1]) // 2
    assert f"the {cut_bytes} byte(s) after the last whole line were not read" in html
    assert "no readable summary.json" in html
    assert f"id='node-{last_id}'" not in html
    assert all(f"id='node-{json.loads(line)['id']}'" in html for line in lines[:-1])
    # The report reads, never repairs: the cut line is still there for a resume to handle.
    assert (cut / "trajectory.jsonl").read_bytes() == b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2]

    root_only = tmp_path / "root_only"
    root_only.mkdir()
    (root_only / "trajectory.jsonl").write_bytes(lines[0])
    html = write_report(root_only).read_text()
    assert "no node was judged" in html and "id='tree'" in html

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "trajectory.jsonl").write_text("")
    assert "no node recorded" in write_report(empty).read_text()


def test_neither_run_nor_sweep_is_one_line(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    for target in (tmp_path, tmp_path / "missing", tmp_path / "notes.txt"):
        assert main(["report", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err and len(err.splitlines()) == 2


@needs_chromium
def test_sweep_report_of_real_runs_renders_in_chromium(recorded, tmp_path):
    """A sweep directory in `maxcode sweep`'s layout (results.jsonl, runs/, sweep.yaml),
    assembled from the two recorded runs and one run that failed before its first node."""
    from maxcode.records.run import RunReader

    sweep = tmp_path / "sweep"
    shutil.copytree(recorded["root"] / "runs", sweep / "runs")
    rows = []
    for run in sorted((sweep / "runs").iterdir()):
        s = RunReader(run).run_summary()
        rows.append({"task_id": s.task_id, "name": s.strategy, "seed": 0, "overrides": [f"strategy={s.strategy}"],
                     "status": "finished", "error": "", "best_speedup": s.best_speedup,
                     "best_speedup_ci": s.best_speedup_ci, "budget_used": s.budget_used, "run_dir": f"runs/{run.name}"})
    rows.append({"task_id": rows[0]["task_id"], "name": "tree_search", "seed": 1, "overrides": ["seed=1"],
                 "status": "failed", "error": "BackendUnavailable: no sandbox backend", "best_speedup": None,
                 "best_speedup_ci": None, "budget_used": {}, "run_dir": "runs/never_started"})
    (sweep / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"task_id": "cut')
    (sweep / "sweep.yaml").write_text("grid:\n  strategy: [tree, best_of_n]\n")
    page = write_report(sweep)
    html = page.read_text()
    assert_self_contained(html)
    assert "the last line of results.jsonl was cut (by a kill?) and not read" in html
    assert "BackendUnavailable: no sandbox backend" in html and "3 run(s)" in html
    for row in rows[:2]:  # each finished run links to its own report
        assert f"href='{row['run_dir']}/report.html'" in html
    assert "median max-speedup" in html and "%Opt" in html and "avg rank" in html
    dom, console = chromium(page, tmp_path / "sweep.png")
    assert console == "", console
    assert 'id="curves"' in dom and 'id="heatmap"' in dom and "judge evaluations" in dom


def test_the_headline_claims_the_re_timed_figure_as_the_cli_does(recorded):
    """A best whose timing racing cut short is re-timed with the full budget at the end; the
    page claims that figure (as `maxcode optimize` and summary.json do), naming the search's."""
    from maxcode.records.summary import Retiming

    from maxcode.report.load import load_run
    from maxcode.report.run_page import verdict

    run = load_run(recorded["finished"])
    best = run.tree.best()
    assert best is not None
    run.summary.best_retimed = Retiming(node=best.id, speedup=7.25, speedup_ci=[7.0, 7.5], significant=True)
    assert verdict(run).headline.startswith("7.250x faster (95% CI 7.000-7.500, significant; re-timed with the full "
                                            f"budget, the search measured {best.speedup:.3f}x), node #{best.id}")
    run.summary.best_retimed.node = best.id + 100  # a re-timing of another node is not this answer's
    assert verdict(run).headline.startswith(f"{best.speedup:.3f}x faster")


def test_a_sweep_page_leaves_out_tasks_with_runs_still_to_come(tmp_path):
    """While a long sweep runs, a task whose planned runs (sweep.yaml) have not all ended is
    named, not compared: its missing runs would otherwise count as runs that found nothing."""
    from maxcode.report.load import load_sweep
    from maxcode.report.sweep_page import load, metrics_table

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    keys = [f"{t}__{m}__0__ab" for t in ("t1", "t2") for m in ("best_of_n", "tree")]
    (sweep / "sweep.yaml").write_text(json.dumps({"runs": keys}))
    rows = [{"run_key": k, "task_id": f"pie-mini/{k.split('__')[0]}", "name": k.split("__")[1], "seed": 0,
             "status": "finished", "error": "", "best_speedup": 2.0, "best_speedup_ci": [1.8, 2.2],
             "budget_used": {}, "run_dir": f"runs/{k}"} for k in keys[:3]]  # t2's tree run still to come
    (sweep / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    seen = load(load_sweep(sweep))
    assert seen.tasks == ["pie-mini/t1"] and seen.pending == ["pie-mini/t2"]
    assert "1 task(s)" in metrics_table(seen).note
    html = write_report(sweep).read_text()
    assert "1 task(s) with runs still to come are left out until they end: pie-mini/t2" in html

    rows.append({**rows[0], "run_key": keys[3], "task_id": "pie-mini/t2", "name": "tree", "run_dir": f"runs/{keys[3]}"})
    (sweep / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert load(load_sweep(sweep)).tasks == ["pie-mini/t1", "pie-mini/t2"]


def test_a_sweep_page_ranks_overlapping_intervals_as_ties_as_its_summary_does(tmp_path):
    """The page's metrics are the sweep summary's: 12.64x and 12.81x with overlapping intervals
    (the same library program judged twice) tie at rank 1.5; 2x below both ranks last."""
    from maxcode.report import sweep_metrics
    from maxcode.report.load import load_sweep
    from maxcode.report.sweep_page import efficiency_table, load, metrics_table

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    found = {"best_of_n": (12.64, [12.3, 13.0]), "tree": (12.81, [12.5, 13.1]), "refine": (2.0, [1.9, 2.1])}
    plan = [{"key": f"t1__{m}__0__ab", "task": "pie-mini/t1", "family": "cpp", "method": m, "seed": 0} for m in found]
    (sweep / "sweep.yaml").write_text(json.dumps({"runs": [p["key"] for p in plan], "plan": plan}))
    rows = [{"run_key": p["key"], "task_id": "pie-mini/t1", "name": p["method"], "seed": 0, "status": "finished",
             "error": "", "correct": True, "best_speedup": found[p["method"]][0],
             "best_speedup_ci": found[p["method"]][1], "budget_used": {}, "run_dir": f"runs/{p['key']}"}
            for p in plan]
    (sweep / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    seen = load(load_sweep(sweep))
    ranks = {m: v["average_rank"].value for m, v in seen.summary.metrics.items()}
    assert ranks == {"best_of_n": 1.5, "refine": 3.0, "tree": 1.5}
    table = metrics_table(seen)
    rank_column = table.headers.index(sweep_metrics.LABELS["average_rank"])
    assert {r[0]: r[rank_column].split()[0] for r in table.rows} == {"best_of_n": "1.50", "refine": "3.00",
                                                                     "tree": "1.50"}
    paired = {r[0]: r[3] for r in efficiency_table(seen).rows}
    assert paired == {"best_of_n": "", "refine": "0 / 0 / 1", "tree": "0 / 1 / 0"}
    assert "best speedup - best_of_n" in write_report(sweep).read_text()


def test_the_report_reads_directories_without_importing_judges_or_proposers():
    code = ("import sys, maxcode.report.run_page, maxcode.report.sweep_page, maxcode.cli.report_cmd; "
            "print(' '.join(sorted(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in loaded if m.startswith(("maxcode.proposers", "maxcode.sandbox.judges", "maxcode.sandbox.backends",
                                                   "maxcode.loop", "maxcode.optimize"))]
