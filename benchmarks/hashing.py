"""Content hashes of C++ sources that ignore whitespace and comments.

Two sources that differ only in layout or comments are the same program, so they get the
same hash; any change of a token gives a new one. Tokens are cut with a small lexer that
knows comments, string and character literals (so `"//"` inside a string stays text) and
raw strings; it does not need to be a full C++ lexer, only stable and layout-blind.
"""

from __future__ import annotations

import hashlib
import re

_TOKEN = re.compile(
    r"""
      (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<raw>R"(?P<delim>[^()\\\s]{0,16})\(.*?\)(?P=delim)")
    | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
    | (?P<word>[A-Za-z_0-9.]+)
    | (?P<space>\s+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def cpp_tokens(source: str) -> list[str]:
    """The token strings of `source`, comments and whitespace dropped."""
    return [
        m.group(0)
        for m in _TOKEN.finditer(source)
        if m.lastgroup not in ("comment", "space", "delim")
    ]


def cpp_content_hash(source: str) -> str:
    """sha256 over the token stream: reformatting or re-commenting keeps the hash."""
    return hashlib.sha256("\x00".join(cpp_tokens(source)).encode("utf-8")).hexdigest()
