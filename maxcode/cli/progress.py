"""Live progress of a search (rich) and the final summary table."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from maxcode.loop import Snapshot
from maxcode.records.summary import RunSummary
from maxcode.sandbox.timing import lease


def _best_text(snap_best: Any) -> str:
    if snap_best is None:
        return "1.00x (baseline; nothing significant yet)"
    ci = snap_best.evaluation.speedup_ci if snap_best.evaluation else None
    ci_text = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
    return f"{snap_best.speedup:.2f}x{ci_text} (node {snap_best.id})"


def _waits_text(waits: list[lease.Wait]) -> str:
    now = time.monotonic()
    longest = max(now - w.since for w in waits)
    devices = ", ".join(sorted({d for w in waits for d in w.devices}))
    return (f"{len(waits)} judgement(s) waiting for the timing lease on {devices} "
            f"(longest {longest:.0f}s): another timing has the device to itself")


def render(snap: Snapshot, caps: dict[str, Any], waits: list[lease.Wait] | None = None) -> Table:
    table = Table(title=f"maxcode optimize - step {snap.step}", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("best speedup", _best_text(snap.best))
    table.add_row("nodes", f"{snap.nodes}: " + ", ".join(f"{k} {v}" for k, v in sorted(snap.counts.items())))
    u = snap.usage

    def cap(name: str) -> str:
        value = caps.get(name)
        return "" if value is None else f"/{value:g}"

    table.add_row("budget", f"evaluations {u.evaluations}{cap('max_evaluations')}, "
                            f"llm calls {u.llm_calls}{cap('max_llm_calls')}, tokens {u.tokens}{cap('max_tokens')}, "
                            f"${u.cost_usd:.4f}{cap('max_dollars')}, wall {u.wall_s:.0f}s{cap('max_wall_s')}")
    waits = lease.waiting() if waits is None else waits
    if waits:
        table.add_row("waiting", _waits_text(waits))
    return table


class LiveProgress:
    """A rich Live panel refreshed from the loop's snapshots (at most 4 times a second)."""

    def __init__(self, console: Console, caps: dict[str, Any]) -> None:
        self.console, self.caps = console, caps
        # get_renderable: the panel refreshes between snapshots too, so a judgement
        # waiting for the timing lease shows while it waits.
        self._snap: Snapshot | None = None
        self.live = Live(console=console, refresh_per_second=4, transient=False,
                         get_renderable=self._renderable)

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)
        # rich ends the last frame with a newline only on a terminal; to a file or a pipe
        # (a log, `2>&1 | tee`) its last line would run into the summary printed next.
        if not self.console.is_terminal:
            self.console.line()

    def _renderable(self) -> Table:
        if self._snap is None:
            return Table(title="maxcode optimize - starting", show_header=False, box=None)
        return render(self._snap, self.caps)

    def __call__(self, snap: Snapshot) -> None:
        self._snap = snap
        if snap.stop_reason:
            self.live.refresh()


def summary_table(summary: RunSummary) -> Table:
    table = Table(title=f"{summary.task_id} - {summary.strategy}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    ci = summary.best_speedup_ci
    best = f"{summary.best_speedup:.3f}x" + (f"  (95% CI {ci[0]:.3f}-{ci[1]:.3f})" if ci else "")
    if summary.best_is_baseline:
        best += "  no significant speedup: best file is the baseline"
    table.add_row("best speedup", best)
    retimed = summary.best_retimed
    if retimed is not None and retimed.status != "ok":
        # The figure above is the search's own: its fresh re-timing did not confirm it.
        table.add_row("[red]unconfirmed[/red]",
                      f"re-timing node #{retimed.node} with the full budget failed "
                      f"({retimed.status}: {retimed.message or 'no message'})")
    table.add_row("best program", summary.best_source)
    table.add_row("nodes", f"{summary.nodes} in {summary.steps} steps: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items())))
    used = summary.spent()
    table.add_row("budget used", f"evaluations {used.evaluations}, llm calls {used.llm_calls}, "
                  f"tokens {used.tokens}, ${used.cost_usd:.4f}, wall {used.wall_s:.1f}s")
    table.add_row("stopped", summary.stop_reason or "-")
    table.add_row("run dir", summary.run_dir)
    return table
