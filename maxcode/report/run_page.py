"""A run's report: the verdict, best-so-far curves, the search tree, the node table, and
every node's program with its diff against its parent (the best's against the baseline
on top). The same facts feed report.html, report.md and `maxcode report --text`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxcode.records.node import Node, NodeStatus, total_spent
from maxcode.records.run import atomic_write
from maxcode.records.summary import Retiming, RunSummary
from maxcode.report import code, figures
from maxcode.report.calibration import calibration, summary_line
from maxcode.report.curves import best_curve, run_curve
from maxcode.report.html import Table, esc, fmt_ci, fmt_x, page, section
from maxcode.report.load import RunData
from maxcode.report.tree_picture import MISSING_DOT, legend_html, tree_svg

DIAGNOSIS_CHARS = 160
"""Characters of a diagnosis shown in the node table (the full text is in the node's section)."""


@dataclass
class Verdict:
    """What the run found, in the terms a user acts on."""

    best: Node | None
    fastest: Node | None
    judged: int
    counts: dict[str, int]
    used: dict[str, Any]
    caps: dict[str, Any]
    stop_reason: str
    error: str
    retimed: Retiming | None = None
    """The best node's re-timing with the full budget (summary.json `best_retimed`), if any:
    the figure the run claims, as `maxcode optimize` prints it, or why it has none."""

    @property
    def retime_failed(self) -> bool:
        return self.best is not None and self.retimed is not None and self.retimed.speedup is None

    @property
    def headline(self) -> str:
        r = self.retimed
        if self.retime_failed:
            ev = self.best.evaluation
            return (f"unconfirmed: node #{self.best.id}'s re-timing with the full budget failed "
                    f"({r.status}{': ' + r.message if r.message else ''}); the search measured {self.best.speedup:.3f}x "
                    f"(95% CI {fmt_ci(ev.speedup_ci if ev else None)})")
        if self.best is not None and r is not None:
            return (f"{r.speedup:.3f}x faster (95% CI {fmt_ci(r.speedup_ci)}, "
                    f"{'significant' if r.significant else 'not significant'}; re-timed with the "
                    f"full budget, the search measured {self.best.speedup:.3f}x), node #{self.best.id}")
        if self.best is not None:
            ev = self.best.evaluation
            return (f"{self.best.speedup:.3f}x faster (95% CI {fmt_ci(ev.speedup_ci if ev else None)}, "
                    f"significant), node #{self.best.id}")
        if self.judged == 0:
            return "no node was judged: nothing to claim, the answer is the baseline"
        if self.fastest is not None:
            return (f"no significant speedup: the answer is the baseline (fastest correct: node "
                    f"#{self.fastest.id}, {fmt_x(self.fastest.speedup)}, not significant)")
        return "no correct program was found: the answer is the baseline"

    @property
    def css_class(self) -> str:
        if self.retime_failed:
            return "bad"
        return "good" if self.best is not None else ("bad" if self.error or self.judged == 0 else "none")


def spent(run: RunData) -> dict[str, float]:
    """Budget used, from the nodes (for a run whose summary.json was never written)."""
    return total_spent(run.tree.nodes).to_dict()


def verdict(run: RunData) -> Verdict:
    tree, s = run.tree, run.summary
    nodes = tree.candidates() if tree.nodes else []
    best = tree.best() if tree.nodes else None
    return Verdict(
        best=best,
        fastest=tree.fastest_correct() if tree.nodes else None,
        judged=sum(n.evaluation is not None for n in nodes),
        counts=tree.status_counts() if tree.nodes else {},
        used=(s.budget_used if s else None) or spent(run),
        caps=s.budget_caps if s else {},
        stop_reason=s.stop_reason if s else "unknown (no summary.json)",
        error=s.error if s else "",
        retimed=_retimed(s, best) if s else None,
    )


def _retimed(summary: RunSummary, best: Node | None) -> Retiming | None:
    """The summary's re-timing, when it is of the answer the trajectory names (a summary
    written before the last nodes were recorded may speak of another)."""
    r = summary.best_retimed
    return r if best is not None and r is not None and r.node == best.id else None


def what_proposer_did(node: Node) -> str:
    p = node.proposer
    if node.status is NodeStatus.BASELINE:
        return "the task's program"
    meta = p.meta or {}
    parts = []
    if meta.get("rewrites"):
        rewrites = meta["rewrites"]
        parts.append("rewrites: " + (", ".join(map(str, rewrites)) if isinstance(rewrites, list) else str(rewrites)))
    if meta.get("variant"):
        parts.append(f"variant {Path(str(meta['variant'])).name}")
    if meta.get("replayed_node") is not None:
        parts.append(f"replay of node {meta['replayed_node']}")
    model = p.model or "?"
    tokens = p.prompt_tokens + p.completion_tokens
    parts.append(f"{model}" + (f", {tokens} tok" if tokens else "") + (f", ${p.cost_usd:.4f}" if p.cost_usd else "")
                 + (", cached" if p.cached else ""))
    return "; ".join(parts)


def diagnosis_line(node: Node) -> str:
    if node.diagnosis is None or not node.diagnosis.text:
        return ""
    text = " ".join(node.diagnosis.text.split())
    return text if len(text) <= DIAGNOSIS_CHARS else text[:DIAGNOSIS_CHARS - 1] + "…"


def status_text(node: Node) -> str:
    return node.status.value + (f" (dup of #{node.duplicate_of})" if node.duplicate_of is not None else "")


def verdict_table(run: RunData, v: Verdict) -> Table:
    used = v.used
    rows = [["verdict", v.headline]]
    if v.best is not None and v.best.evaluation is not None:
        ev = v.best.evaluation
        if ev.baseline_time_s is not None and ev.candidate_time_s is not None:
            rows.append(["times (median)", f"baseline {ev.baseline_time_s:.4g}s, best {ev.candidate_time_s:.4g}s"])
    best_source = run.summary.best_source if run.summary else ""
    rows.append(["best program", best_source or str(run.dir / f"best.{run.ext}")])
    rows.append(["stopped", v.stop_reason or "-"])
    if v.error:
        rows.append(["error", v.error])
    rows.append(["nodes", f"{len(run.tree.candidates()) if run.tree.nodes else 0} ({v.judged} judged): "
                 + (", ".join(f"{k} {n}" for k, n in sorted(v.counts.items())) or "none")])
    def cap(key: str) -> str:
        value = v.caps.get(key)
        return "" if value is None else f" / {value:g}"
    rows.append(["budget used",
                 f"evaluations {used.get('evaluations', 0):g}{cap('max_evaluations')}, "
                 f"LLM calls {used.get('llm_calls', 0):g}{cap('max_llm_calls')}, "
                 f"tokens {used.get('tokens', 0):g}{cap('max_tokens')}, "
                 f"wall {float(used.get('wall_s', 0.0)):.1f}s{cap('max_wall_s')}"])
    rows.append(["cost", f"${float(used.get('cost_usd', 0.0)):.4f}" + cap("max_dollars")])
    return Table(title="summary", headers=["", ""], rows=rows)


def node_table(run: RunData, limit: int | None = None) -> Table:
    """Every candidate in id order; with `limit`, the fastest few in the columns a terminal fits."""
    nodes = run.tree.candidates() if run.tree.nodes else []
    compact = limit is not None
    if compact:
        nodes = sorted((n for n in nodes if n.duplicate_of is None),
                       key=lambda n: (-(n.speedup or 0.0), n.id))[:limit]
    headers = ["node", "parent", "step", "status", "speedup", "95% CI", "signif.", "proposer did"]
    if not compact:
        headers += ["diagnosis", "message"]
    table = Table(title=f"top {limit} nodes by speedup" if compact else "nodes", headers=headers,
                  numeric={0, 1, 2, 4})
    for n in nodes:
        ev = n.evaluation
        table.links[(len(table.rows), 0)] = f"#node-{n.id}"
        row = [str(n.id), "" if n.parent_id is None else str(n.parent_id), str(n.step), status_text(n),
               fmt_x(n.speedup), fmt_ci(ev.speedup_ci if ev else None),
               ("yes" if ev.significant else "no") if ev is not None and ev.speedup is not None else "",
               what_proposer_did(n)]
        if not compact:
            row += [diagnosis_line(n), n.message[:200]]
        table.rows.append(row)
    return table


def headline_tables(run: RunData) -> list[Table]:
    """What `maxcode report RUN --text` prints."""
    return [verdict_table(run, verdict(run)), node_table(run, limit=10)]


def _node_section(run: RunData, node: Node) -> str:
    parent = run.tree.by_id.get(node.parent_id) if node.parent_id is not None else None
    ev = node.evaluation
    facts = [f"<b>{esc(status_text(node))}</b>"] + ([esc(fmt_x(node.speedup))] if node.speedup is not None else [])
    if ev is not None and ev.speedup_ci:
        facts.append(f"95% CI {esc(fmt_ci(ev.speedup_ci))}" + (" (significant)" if ev.significant else ""))
    summary = (f"#{node.id} <span class='status' style='background:"
               f"{figures.STATUS_COLORS.get(node.status.value, '#fff')}'>{esc(node.status.value)}</span> "
               f"{esc(fmt_x(node.speedup))} <span class='muted'>step {node.step}, parent "
               f"{'-' if node.parent_id is None else '#' + str(node.parent_id)}; {esc(what_proposer_did(node))}</span>")
    body = [f"<p>{' · '.join(facts)}</p>"]
    if node.message:
        body.append(f"<p>{esc(node.message)}</p>")
    if node.diagnosis is not None and node.diagnosis.text:
        body.append(f"<p><b>diagnosis</b> ({esc(node.diagnosis.source)}): {esc(node.diagnosis.text)}</p>")
        if node.diagnosis.suggestions:
            body.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in node.diagnosis.suggestions) + "</ul>")
    if ev is not None and (ev.compile_log or ev.runtime_log):
        body.append(f"<details><summary>logs</summary><pre>{esc((ev.compile_log + chr(10) + ev.runtime_log).strip())}</pre></details>")
    if parent is not None:
        body.append(f"<p class='muted'>diff against its parent #{parent.id}</p>")
        body.append(code.diff_html(parent.source, node.source, f"node {parent.id}", f"node {node.id}"))
    body.append(f"<details><summary>source</summary>{code.source_html(node.source, run.ext)}</details>")
    return f"<details id='node-{node.id}'><summary>{summary}</summary>{''.join(body)}</details>"


def _best_section(run: RunData, v: Verdict) -> str:
    if v.best is None:
        return f"<p>{esc(v.headline)}.</p>"
    root = run.tree.root
    path = " → ".join(f"<a href='#node-{n.id}'>#{n.id}</a>" for n in run.tree.lineage(v.best))
    return (f"<p>Path: {path}</p><p class='muted'>the best program's diff against the baseline</p>"
            + code.diff_html(root.source, v.best.source, "baseline", f"best (node {v.best.id})", fine=True)
            + f"<details><summary>the best program</summary>{code.source_html(v.best.source, run.ext, fine=True)}"
            "</details>")


def render_html(run: RunData) -> tuple[str, dict[str, str]]:
    """The page, and the pictures also written beside it (name -> SVG text)."""
    v = verdict(run)
    pictures: dict[str, str] = {}

    def verdict_html() -> str:
        problems = "".join(f"<p class='verdict bad'>{esc(p)}</p>" for p in run.problems)
        return (problems + f"<div class='verdict {v.css_class}'>{esc(v.headline)}</div>"
                + verdict_table(run, v).to_html())

    def curves_html() -> str:
        pictures["curves.svg"] = figures.run_curves_svg(run_curve(run.tree))
        return f"<div class='figure' id='curves'>{pictures['curves.svg']}</div>"

    def tree_html() -> str:
        if not run.tree.nodes:
            return "<p class='note'>no node recorded</p>"
        try:
            pictures["tree.svg"] = tree_svg(run.tree)
        except RuntimeError:
            return f"<p class='verdict none'>{esc(MISSING_DOT)}</p>"
        return f"{legend_html()}<div class='figure' id='tree'>{pictures['tree.svg']}</div>"

    def nodes_html() -> str:
        nodes = run.tree.candidates() if run.tree.nodes else []
        return node_table(run).to_html() if nodes else "<p class='note'>no candidate recorded</p>"

    def programs_html() -> str:
        return "".join(_node_section(run, n) for n in run.tree.nodes)

    def calibration_html() -> str:
        c = calibration(run.tree.nodes)
        if c is None:
            return "<p class='note'>no candidate was judged after a forecast (only `ranker=online` forecasts)</p>"
        text = f"<p>{esc(summary_line(c))}</p>"
        if c.points:
            pictures["calibration.svg"] = figures.calibration_svg(
                [q.predicted for q in c.points], [q.low for q in c.points], [q.high for q in c.points],
                [q.measured for q in c.points])
            text += f"<div class='figure' id='calibration'>{pictures['calibration.svg']}</div>"
        return text

    sections = [
        section("Verdict", "verdict", verdict_html),
        section("Best program against the baseline", "best", lambda: _best_section(run, v)),
        section("Best so far against budget", "curves-section", curves_html),
        section("Search tree", "tree-section", tree_html),
        section("Nodes", "nodes", nodes_html),
        section("Programs and diffs", "programs", programs_html),
    ]
    nav = [("verdict", "verdict"), ("best", "best"), ("curves", "curves-section"),
           ("tree", "tree-section"), ("nodes", "nodes"), ("programs", "programs")]
    if any(n.rank_prediction is not None for n in run.tree.nodes):
        sections.insert(4, section("The ranker's forecasts against measurements", "calibration-section",
                                   calibration_html))
        nav.insert(4, ("calibration", "calibration-section"))
    return page(f"{run.task_id} - {run.method}", f"run report for {run.dir}", nav, sections,
                extra_css=code.css()), pictures


def render_markdown(run: RunData, pictures: dict[str, str]) -> str:
    v = verdict(run)
    lines = [f"# {run.task_id} - {run.method}", ""]
    lines += [f"> {p}" for p in run.problems]
    lines += ["", verdict_table(run, v).to_markdown(), "![best speedup by step](best_speedup.png)", ""]
    c = calibration(run.tree.nodes)
    if c is not None:
        lines += [f"The ranker's forecasts: {summary_line(c)}", ""]
    for name, title in (("curves.svg", "best so far against budget"), ("tree.svg", "search tree"),
                        ("calibration.svg", "forecast against measured speedup")):
        if name in pictures:
            lines += [f"![{title}]({name})", ""]
    if v.best is not None:
        lines += [f"## Best program (node {v.best.id}) against the baseline", "", "```diff",
                  code.unified_diff(run.tree.root.source, v.best.source, "baseline", f"node {v.best.id}").rstrip(),
                  "```", ""]
    if run.tree.nodes and run.tree.candidates():
        lines += [node_table(run).to_markdown()]
    lines += ["", "Every node's program and diff: report.html", ""]
    return "\n".join(lines)


def write_run_report(run: RunData) -> Path:
    """report.html, report.md, best_speedup.png and the pictures' SVG files; returns report.html."""

    html_text, pictures = render_html(run)
    for name, svg in pictures.items():
        atomic_write(run.dir / name, svg)
    atomic_write(run.dir / "report.md", render_markdown(run, pictures))
    if run.tree.nodes:
        figures.best_speedup_png((run.summary.best_speedup_by_step if run.summary else None) or best_curve(run.tree),
                                 run.dir / "best_speedup.png")
    path = run.dir / "report.html"
    atomic_write(path, html_text)
    return path
