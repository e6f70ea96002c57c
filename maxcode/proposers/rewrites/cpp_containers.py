"""C++ rewrites of containers and of how values are passed: contiguous storage instead of
node-based containers, hash tables where order is unused, bytes instead of packed bits,
capacity reserved before growth loops, and no copies of containers passed to functions.
"""

from __future__ import annotations

import re

from maxcode.proposers.rewrites.base import (
    ALLOCATION,
    CONTAINER,
    HOT_LOOP,
    Rewrite,
    add_include,
    for_loops,
    mask,
    pure,
    split_top,
    uses,
)

HASHABLE_KEY = re.compile(
    r"^(?:(?:unsigned|signed)\s+)?(?:int|long|long\s+long|short|char|size_t|u?int(?:8|16|32|64)_t|(?:std::)?string)$")


def _declarations(m: str, types: str) -> list[re.Match[str]]:
    """`[std::]TYPE<ARGS> name` declarations (ARGS with one level of nested <>)."""
    pattern = rf"(?<![\w:])(?:std::)?(?P<type>{types})\s*<(?P<args>(?:[^<>;{{}}]|<[^<>;{{}}]*>)*)>\s*(?P<name>\w+)\s*(?=[;({{=\[,)])"
    return list(re.finditer(pattern, m))


def _member_calls(m: str, name: str, after: int) -> tuple[set[str], list[str]]:
    """Methods called on `name` after `after`, and the other ways it is used
    (`index`, `range_for`, `bare`)."""
    methods: set[str] = set()
    other: list[str] = []
    for at in uses(m, name, after):
        rest = m[at + len(name):]
        member = re.match(r"\s*\.\s*(\w+)", rest)
        if member:
            methods.add(member.group(1))
        elif re.match(r"\s*\[", rest):
            other.append("index")
        elif re.match(r"\s*\)", rest) and re.search(r":\s*$", m[:at]):
            other.append("range_for")
        else:
            other.append("bare")
    return methods, other


VECTOR_SAFE = {"push_back", "emplace_back", "pop_back", "size", "empty", "back", "front", "begin",
               "end", "clear", "reserve", "resize", "at"}


def list_to_vector(src: str) -> str | None:
    """`list<T>`/`deque<T>` -> `vector<T>` where only back-insertion, indexing and traversal
    are used (no front insertion, no splicing, no iterator kept across insertions)."""
    m = mask(src)
    edits = []
    for decl in _declarations(m, "list|deque"):
        methods, other = _member_calls(m, decl.group("name"), decl.end())
        if methods - VECTOR_SAFE or "bare" in other:
            continue
        edits.append(decl.span("type"))
    if not edits:
        return None
    for start, end in reversed(edits):
        src = src[:start] + "vector" + src[end:]
    return add_include(src, "vector")


ORDER_FREE = {"count", "find", "insert", "emplace", "erase", "size", "empty", "clear", "end", "at",
              "contains", "reserve"}


def ordered_to_unordered(src: str) -> str | None:
    """`map`/`set` -> `unordered_map`/`unordered_set` where keys are builtin and order is never
    used (no iteration, no bounds, the container never passed on as a whole)."""
    m = mask(src)
    edits = []
    for decl in _declarations(m, "map|set|multimap|multiset"):
        key = split_top(decl.group("args"), ",", angle=True)[0].strip()
        if not HASHABLE_KEY.match(key):
            continue
        methods, other = _member_calls(m, decl.group("name"), decl.end())
        if methods - ORDER_FREE or "bare" in other or "range_for" in other:
            continue
        edits.append((decl.span("type"), decl.group("type")))
    if not edits:
        return None
    for (start, end), kind in reversed(edits):
        src = src[:start] + "unordered_" + kind + src[end:]
    for kind in {k for _, k in edits}:
        src = add_include(src, "unordered_map" if kind.endswith("map") else "unordered_set")
    return src


def vector_bool_to_char(src: str) -> str | None:
    """`vector<bool>` (packed bits, a shift and mask per access) -> `vector<char>`, where no
    element is printed or flipped."""
    m = mask(src)
    decls = list(re.finditer(r"(?<![\w:])((?:std::)?vector\s*<\s*)bool(\s*>)", m))
    if not decls or ".flip" in m:
        return None
    for d in _declarations(m, "vector"):
        if d.group("args").strip() == "bool":
            name = d.group("name")
            if any("<<" in line and re.search(rf"\b{name}\b", line) for line in m.splitlines()):
                return None
            if re.search(rf"\bauto\s*&\s*\w+\s*:\s*{name}\b", m):
                return None
    out, last = [], 0
    for d in decls:
        out.append(src[last:d.start()] + d.group(1) + "char" + d.group(2))
        last = d.end()
    return "".join(out) + src[last:]


def reserve_before_push_back(src: str) -> str | None:
    """`v.reserve(v.size() + n)` before a counted loop `for (...; i < n; ...)` that appends to
    a vector `v` declared before it (one allocation instead of log n regrowths)."""
    m = mask(src)
    vectors = {d.group("name"): d.start() for d in _declarations(m, "vector")}
    if not vectors or "reserve" in m:
        return None
    edits = []
    for loop in for_loops(m):
        bound = re.fullmatch(r"(\w+)\s*<\s*(.+)", loop.cond)
        if not bound or not pure(bound.group(2)) or bound.group(1) != loop.var:
            continue
        body = m[loop.body_start:loop.end]
        grown = [n for n, at in vectors.items()
                 if at < loop.start and re.search(rf"(?<![\w.]){n}\s*\.\s*(push|emplace)_back\s*\(", body)]
        if not grown or any(s <= loop.start < e for s, e, _ in edits):
            continue
        reserve = " ".join(f"{n}.reserve({n}.size() + ({bound.group(2)}));" for n in grown)
        edits.append((loop.start, loop.end, reserve))
    if not edits:
        return None
    for start, end, reserve in reversed(edits):
        src = src[:start] + "{ " + reserve + " " + src[start:end] + " }" + src[end:]
    return src


BY_VALUE = re.compile(
    r"^\s*(?P<type>(?:std::)?(?:vector|string|map|set|unordered_map|unordered_set|deque|list)\b(?:\s*<.*>)?)\s+(?P<name>\w+)\s*$",
    re.S)
MUTATORS = r"push_back|emplace_back|pop_back|insert|emplace|erase|clear|resize|assign|swap|reserve|append|push_front|pop_front|sort|replace"


def _mutated(body: str, name: str) -> bool:
    n = re.escape(name)
    return bool(re.search(rf"(?<![\w.]){n}\s*(\[[^;]*?\]\s*)?(=(?!=)|\+=|-=|\*=|/=|%=|\+\+|--|\.\s*({MUTATORS})\b)", body)
                or re.search(rf"(\+\+|--)\s*{n}\b", body)
                or re.search(rf"\b(sort|swap|reverse|fill|iota|getline|move)\s*\(\s*{n}\b", body)
                or re.search(rf"&\s*{n}\b", body) or re.search(rf">>\s*{n}\b", body))


def const_ref_params(src: str) -> str | None:
    """Container or string parameters taken by value and never modified -> `const T&`."""
    m = mask(src)
    edits = []
    for fn in re.finditer(r"^[ \t]*(?!return\b)[\w:<>,\s*&]+?\b(?!main\b|if\b|for\b|while\b|switch\b)(\w+)\s*\(", m, re.M):
        open_paren = fn.end() - 1
        depth, close = 0, -1
        for j in range(open_paren, len(m)):
            depth += m[j] == "("
            depth -= m[j] == ")"
            if depth == 0:
                close = j
                break
        brace = re.match(r"\s*(const\s*)?\{", m[close + 1:]) if close > 0 else None
        if not brace:
            continue
        body_start = close + 1 + brace.end() - 1
        depth, body_end = 0, -1
        for j in range(body_start, len(m)):
            depth += m[j] == "{"
            depth -= m[j] == "}"
            if depth == 0:
                body_end = j
                break
        body = m[body_start:body_end]
        offset = open_paren + 1
        for part in split_top(m[open_paren + 1:close], ",", angle=True):
            param = BY_VALUE.match(part)
            if param and not _mutated(body, param.group("name")) and "const" not in part:
                edits.append((offset + param.start("type"), offset + param.end("type"),
                              offset + param.start("name")))
            offset += len(part) + 1
    if not edits:
        return None
    for t_start, t_end, _ in reversed(edits):
        src = src[:t_start] + "const " + src[t_start:t_end] + "&" + src[t_end:]
    return src


REWRITES = [
    Rewrite("list_to_vector", "cpp", (CONTAINER,), list_to_vector,
            "`list`/`deque` -> `vector` (contiguous storage) where only back insertion and indexing are used", weight=2),
    Rewrite("ordered_to_unordered", "cpp", (CONTAINER,), ordered_to_unordered,
            "`map`/`set` -> `unordered_map`/`unordered_set` where order is unused", weight=2),
    Rewrite("vector_bool_to_char", "cpp", (CONTAINER, HOT_LOOP), vector_bool_to_char,
            "`vector<bool>` -> `vector<char>` (bytes, no bit masking)", weight=1.5),
    Rewrite("reserve_before_push_back", "cpp", (ALLOCATION, CONTAINER), reserve_before_push_back,
            "`reserve` before a loop that appends to a vector"),
    Rewrite("const_ref_params", "cpp", (ALLOCATION, HOT_LOOP), const_ref_params,
            "unmodified container/string parameters passed by `const&` instead of copied"),
]
