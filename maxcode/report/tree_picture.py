"""The search tree as a picture: graphviz `dot` lays it out left to right; nodes are
coloured by status and labelled with their speedup, the path from the root to the best
node is drawn thick and red, and each node links to its section of the page."""

from __future__ import annotations

import logging

from maxcode.records.node import Node, NodeStatus
from maxcode.report.figures import STATUS_COLORS
from maxcode.search_tree import SearchTree

log = logging.getLogger(__name__)

BEST_COLOR = "#cf222e"
DARK = {"rejected", "judge_error", "memory_exceeded"}
"""Statuses whose colour needs white text."""
MISSING_DOT = ("the tree picture needs graphviz's `dot` (Debian: apt-get install graphviz; "
               "scripts/install.sh installs it)")


def label(node: Node) -> str:
    if node.status is NodeStatus.BASELINE:
        return f"#{node.id} baseline"
    if node.speedup is not None:
        return f"#{node.id} {node.speedup:.2f}x"
    return f"#{node.id} {node.status.value.replace('_', ' ')}"


def tree_svg(tree: SearchTree) -> str:
    """Inline SVG of the tree; raises RuntimeError(MISSING_DOT) without the dot binary."""
    import graphviz

    best = tree.best()
    on_path = {n.id for n in tree.lineage(best)} if best else set()
    graph = graphviz.Digraph("search_tree", graph_attr={
        "rankdir": "LR", "nodesep": "0.08", "ranksep": "0.35", "fontname": "DejaVu Sans",
        "bgcolor": "transparent"},
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "DejaVu Sans",
                   "fontsize": "10", "height": "0.25", "margin": "0.05,0.02"},
        edge_attr={"arrowsize": "0.5", "color": "#8c959f"})
    for node in tree.nodes:
        attrs = {"fillcolor": STATUS_COLORS.get(node.status.value, "#ffffff"),
                 "URL": f"#node-{node.id}", "target": "_self",
                 "tooltip": f"#{node.id} {node.status.value}: {node.message[:200]}"}
        if node.status.value in DARK:
            attrs["fontcolor"] = "#ffffff"
        style = ["rounded", "filled"]
        if node.duplicate_of is not None:
            style.append("dashed")
        if node.evaluation is not None and node.evaluation.significant and node.correct:
            style.append("bold")
        if node.id in on_path:
            attrs.update(color=BEST_COLOR, penwidth="3")
        attrs["style"] = ",".join(style)
        graph.node(str(node.id), label(node), **attrs)
        if node.parent_id is not None:
            path_edge = node.id in on_path and node.parent_id in on_path
            graph.edge(str(node.parent_id), str(node.id),
                       **({"color": BEST_COLOR, "penwidth": "3"} if path_edge else {}))
    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:
        raise RuntimeError(MISSING_DOT) from exc
    return svg[svg.find("<svg"):]


def legend_html() -> str:
    items = "".join(
        f"<span class='status' style='background:{color};color:{'#fff' if status in DARK else '#000'}'>{status}</span> "
        for status, color in STATUS_COLORS.items() if status != "failed")
    return (f"<p class='muted'>{items}<br>Dashed: a duplicate of an earlier program (its verdict "
            f"reused). Bold: a significant speedup or slowdown. Red path: root to the best program. "
            f"Click a node to open it below.</p>")
