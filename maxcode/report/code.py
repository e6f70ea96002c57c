"""Programs and diffs as highlighted HTML.

Two highlighters share pygments' CSS classes (so one style sheet colours both): pygments
itself for the few programs read closely (the best one and its diff against the
baseline), and a one-regex tokenizer for every node's program and diff, because pygments'
C++ lexer takes ~7 ms per 50-line program: 13 of the 17 s a 1,000-node page took.
Without pygments installed the tokenizer does everything.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from maxcode.report.html import esc

PYGMENTS_LEXERS = {"cpp": "cpp", "cc": "cpp", "cu": "cuda", "py": "python", "diff": "diff"}

_C_KEYWORDS = (
    "alignas auto break case catch class const constexpr continue default delete do else enum "
    "explicit extern false for friend goto if inline namespace new noexcept nullptr operator "
    "private protected public register return sizeof static static_assert struct switch "
    "template this throw true try typedef typename union using virtual volatile while "
    "__global__ __device__ __host__ __shared__ __restrict__ __syncthreads")
_C_TYPES = ("bool char double float int long short signed unsigned void size_t int64_t uint64_t "
            "int32_t uint32_t string vector")
_PY_KEYWORDS = (
    "False None True and as assert async await break class continue def del elif else except "
    "finally for from global if import in is lambda nonlocal not or pass raise return try while "
    "with yield self")


def _words(words: str) -> str:
    return r"\b(?:" + "|".join(sorted(words.split(), key=len, reverse=True)) + r")\b"


# (class, pattern) in priority order; each tokenizer is one alternation of named groups.
_RULES = {
    "c": [("cm", r"/\*.*?\*/"), ("c1", r"//[^\n]*"), ("cp", r"(?m:^[ \t]*#[^\n]*)"),
          ("s", r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''), ("m", r"\b\d[\w.]*"),
          ("k", _words(_C_KEYWORDS)), ("kt", _words(_C_TYPES))],
    "python": [("s", r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''),
               ("c1", r"#[^\n]*"), ("m", r"\b\d[\w.]*"), ("k", _words(_PY_KEYWORDS))],
    "diff": [("gh", r"(?m:^(?:---|\+\+\+)[^\n]*)"), ("gu", r"(?m:^@@[^\n]*)"),
             ("gi", r"(?m:^\+[^\n]*)"), ("gd", r"(?m:^-[^\n]*)")],
}
_TOKENIZERS = {name: re.compile("|".join(f"(?P<{cls}_{i}>{pattern})" for i, (cls, pattern) in enumerate(rules)),
                                re.S) for name, rules in _RULES.items()}
_LANGUAGE = {"cpp": "c", "cc": "c", "cu": "c", "c": "c", "py": "python", "diff": "diff"}

FALLBACK_CSS = """
.hl .k,.hl .kt{color:#008000;font-weight:bold}.hl .s{color:#ba2121}.hl .c1,.hl .cm{color:#3d7b7b;font-style:italic}
.hl .cp{color:#9c6500}.hl .m{color:#666}.hl .gi{color:#00a000}.hl .gd{color:#a00000}
.hl .gu{color:#800080;font-weight:bold}.hl .gh{color:#000080;font-weight:bold}
"""


def css() -> str:
    try:
        from pygments.formatters import HtmlFormatter
    except ImportError:
        return FALLBACK_CSS
    return HtmlFormatter(style="default").get_style_defs(".hl")


def fast_highlight(text: str, ext: str) -> str:
    """`<div class="hl"><pre>…</pre></div>` with pygments' token classes, in one regex pass."""
    tokenizer = _TOKENIZERS.get(_LANGUAGE.get(ext, ""))
    if tokenizer is None:
        return f"<div class='hl'><pre>{esc(text)}</pre></div>"
    out, last = [], 0
    for match in tokenizer.finditer(text):
        out.append(esc(text[last:match.start()]))
        cls = match.lastgroup.split("_", 1)[0] if match.lastgroup else ""
        out.append(f"<span class='{cls}'>{esc(match.group())}</span>")
        last = match.end()
    out.append(esc(text[last:]))
    return f"<div class='hl'><pre>{''.join(out)}</pre></div>"


@lru_cache(maxsize=64)
def fine_highlight(text: str, ext: str) -> str:
    """pygments' highlighting (the fast one without pygments)."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
    except ImportError:
        return fast_highlight(text, ext)
    lexer = get_lexer_by_name(PYGMENTS_LEXERS.get(ext, "text"), stripnl=False, ensurenl=False)
    return highlight(text, lexer, HtmlFormatter(cssclass="hl"))


def source_html(source: str | None, ext: str, fine: bool = False) -> str:
    if source is None:
        return "<p class='note'>no code in this reply</p>"
    return fine_highlight(source, ext) if fine else fast_highlight(source, ext)


def unified_diff(old: str | None, new: str | None, old_name: str, new_name: str) -> str:
    return "".join(difflib.unified_diff((old or "").splitlines(keepends=True),
                                        (new or "").splitlines(keepends=True),
                                        fromfile=old_name, tofile=new_name, n=2))


def diff_html(old: str | None, new: str | None, old_name: str, new_name: str, fine: bool = False) -> str:
    if new is None:
        return "<p class='note'>no code in this reply</p>"
    text = unified_diff(old, new, old_name, new_name)
    if not text:
        return "<p class='note'>identical to its parent</p>"
    return fine_highlight(text, "diff") if fine else fast_highlight(text, "diff")
