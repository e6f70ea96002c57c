"""The page shell shared by run and sweep reports: one `Table` record rendered as HTML,
Markdown or a terminal table, the CSS, and `page()` that wraps sections into one
self-contained HTML file (no script, no network: pictures are inline SVG)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CSS = """
body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:0 auto;max-width:1200px;
 padding:1em 2em;color:#1b1f24;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #d0d7de;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-size:1.15em;padding:.6em 1em;border-radius:6px;margin:.6em 0}
.good{background:#dafbe1;border:1px solid #4ac26b}.none{background:#fff8c5;border:1px solid #d4a72c}
.bad{background:#ffebe9;border:1px solid #ff8182}
.figure{overflow:auto;border:1px solid #d0d7de;border-radius:6px;padding:.4em;margin:.6em 0}
.figure svg{max-width:100%;height:auto}
#tree{max-height:720px}#tree svg{max-width:none}
details{border:1px solid #d0d7de;border-radius:6px;margin:.35em 0;padding:.2em .6em}
details>summary{cursor:pointer}
details:target{outline:3px solid #cf222e}
pre{font-size:.82em;overflow:auto;max-height:480px;margin:.3em 0;padding:.4em;background:#f6f8fa}
.hl{background:#f6f8fa}
.muted{color:#57606a}.note{color:#57606a;font-style:italic}
.status{display:inline-block;padding:0 .45em;border-radius:4px;font-size:.85em;border:1px solid #8c959f}
nav a{margin-right:1em}
"""


@dataclass
class Table:
    """One table, rendered the same three ways (HTML, Markdown, terminal)."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)
    """Column indexes right-aligned as numbers."""
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, column) -> href of that cell in HTML."""
    note: str = ""

    def to_html(self) -> str:
        out = [f"<table><caption class='muted'>{esc(self.title)}</caption>"]
        if any(self.headers):
            out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in self.headers) + "</tr></thead>")
        out.append("<tbody>")
        for r, row in enumerate(self.rows):
            out.append("<tr>")
            for c, cell in enumerate(row):
                text = esc(cell)
                href = self.links.get((r, c))
                if href:
                    text = f"<a href='{esc(href)}'>{text}</a>"
                out.append(f"<td class='num'>{text}</td>" if c in self.numeric else f"<td>{text}</td>")
            out.append("</tr>")
        out.append("</tbody></table>")
        if self.note:
            out.append(f"<p class='note'>{esc(self.note)}</p>")
        return "".join(out)

    def to_markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [f"**{self.title}**", "", "| " + " | ".join(cell(h) for h in self.headers) + " |",
                 "|" + "|".join("---:" if i in self.numeric else "---" for i in range(len(self.headers))) + "|"]
        for r, row in enumerate(self.rows):
            cells = []
            for c, text in enumerate(row):
                href = self.links.get((r, c))
                # In-page anchors exist only in report.html.
                if href and href.startswith("#"):
                    href = "report.html" + href
                cells.append(f"[{cell(text)}]({href})" if href and text else cell(text))
            lines.append("| " + " | ".join(cells) + " |")
        if self.note:
            lines += ["", f"_{self.note}_"]
        return "\n".join(lines) + "\n"

    def to_rich(self):  # -> rich.table.Table
        from rich.table import Table as RichTable

        table = RichTable(title=self.title, caption=self.note or None)
        for i, h in enumerate(self.headers):
            table.add_column(h, justify="right" if i in self.numeric else "left", overflow="fold")
        for row in self.rows:
            table.add_row(*row)
        return table


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def fmt_x(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}x"


def fmt_ci(ci: list[float] | tuple[float, float] | None, digits: int = 3) -> str:
    return "" if not ci else f"{ci[0]:.{digits}f}-{ci[1]:.{digits}f}"


def section(title: str, anchor: str, build: Callable[[], str]) -> str:
    """One `<section>`; a section that fails to build says so instead of costing the page."""
    try:
        body = build()
    except Exception as exc:  # one bad section must not lose the rest of the report
        log.exception("report section %r could not be built", title)
        body = f"<p class='bad verdict'>This section could not be drawn: {esc(type(exc).__name__)}: {esc(exc)}</p>"
    return f"<section id='{esc(anchor)}'><h2>{esc(title)}</h2>{body}</section>"


def page(title: str, subtitle: str, nav: list[tuple[str, str]], sections: list[str],
         extra_css: str = "") -> str:
    links = "".join(f"<a href='#{esc(a)}'>{esc(t)}</a>" for t, a in nav)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{CSS}{extra_css}</style></head><body>"
            f"<h1>{esc(title)}</h1><p class='muted'>{esc(subtitle)}</p><nav>{links}</nav>"
            + "".join(sections) + "</body></html>\n")
