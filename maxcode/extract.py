"""Pulling the candidate program out of a free-form LLM reply.

Rules, in order (tests in tests/maxcode/test_extract.py):
1. Drop `<think>...</think>` sections: reasoning models draft code there.
2. Split out fenced blocks (``` or ~~~, any indentation, optional language tag). A fence
   left open runs to the end of the reply (replies cut by the token limit).
3. Keep the blocks tagged with the task's language; if there are none, the untagged ones
   (blocks tagged with another language - a shell command, the input format - never count).
4. Of those, the *last* one that looks like a whole program (cpp: defines `main`; kernel:
   defines `class ModelNew`) wins: models draft, then give the final version. If none looks
   whole, the longest block wins (a diff-sized snippet loses to the real program).
5. No fences at all: the whole reply, if it looks like a whole program.
Anything else is no code: the loop records a `no_code` node with the raw reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGUAGE_TAGS = {
    "cpp": {"cpp", "c++", "cc", "cxx", "c", "hpp", "h"},
    "python": {"python", "py", "python3"},
}
# What a complete candidate must define, per language.
WHOLE_PROGRAM = {
    "cpp": re.compile(r"\bmain\s*\("),
    "python": re.compile(r"^\s*class\s+ModelNew\b", re.MULTILINE),
}
_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+#.-]*)")


@dataclass
class Block:
    """One fenced block of a reply."""

    tag: str
    """Language tag after the opening fence, lower-cased; "" when missing."""
    code: str
    """The block's text without the fences."""
    closed: bool
    """False when the reply ended before the closing fence."""


def fenced_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, tag = opening.group(1), opening.group(2).lower()
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != fence[0] * len(fence):
            # A longer or equal run of the same fence character also closes (CommonMark).
            if lines[i].strip().startswith(fence) and not lines[i].strip().strip(fence[0]):
                break
            body.append(lines[i])
            i += 1
        closed = i < len(lines)
        blocks.append(Block(tag=tag, code="\n".join(body).strip("\n") + "\n", closed=closed))
        i += 1
    return blocks


def looks_whole(code: str, language: str) -> bool:
    pattern = WHOLE_PROGRAM.get(language)
    return bool(pattern and pattern.search(code))


def extract_code(reply: str, language: str) -> str | None:
    """The candidate program in `reply` for a task in `language` (`cpp`|`python`), or None."""
    text = _THINK.sub("", reply)
    blocks = [b for b in fenced_blocks(text) if b.code.strip()]
    if not blocks:
        stripped = text.strip()
        return stripped + "\n" if looks_whole(stripped, language) else None
    tags = LANGUAGE_TAGS.get(language, {language})
    chosen = [b for b in blocks if b.tag in tags] or [b for b in blocks if not b.tag]
    if not chosen:
        return None
    whole = [b for b in chosen if looks_whole(b.code, language)]
    if whole:
        return whole[-1].code
    return max(chosen, key=lambda b: len(b.code)).code
