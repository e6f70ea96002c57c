"""C++ rewrites of stream I/O: unsynchronised streams, no flushing `endl`, buffered readers
and writers. On PIE-style programs reading or printing many numbers these are the largest
gains that need no change of algorithm.
"""

from __future__ import annotations

import re

from maxcode.proposers.rewrites.base import IO, Rewrite, after_includes, indent_at, main_body, mask

C_STDIO = re.compile(r"\b(scanf|printf|puts|getchar|putchar|gets|fgets|fputs|fread|fwrite|getline)\b")
"""Programs that mix C stdio with streams (or read lines) are left alone: unsynchronised or
replaced streams would reorder their I/O."""
OWN_BLOCKS = re.compile(r"struct Mc(Reader|Writer)\b.*?\} mc_(in|out);", re.S)


def _program_mask(src: str) -> str:
    """The mask without the reader/writer blocks these rewrites insert."""
    return OWN_BLOCKS.sub("", mask(src))


def fast_io(src: str) -> str | None:
    """`ios::sync_with_stdio(false); cin.tie(nullptr);` at the top of `main`."""
    m = _program_mask(src)
    if "sync_with_stdio" in m or not re.search(r"\b(cin|cout)\b", m) or C_STDIO.search(m):
        return None
    at = main_body(mask(src))
    if at is None:
        return None
    pad = indent_at(src, src.find("\n", at) + 1) or "    "
    return (src[:at] + f"\n{pad}std::ios::sync_with_stdio(false);\n{pad}std::cin.tie(nullptr);"
            + src[at:])


ENDL = re.compile(r"<<(\s*)(std::)?endl\b")


def endl_to_newline(src: str) -> str | None:
    """`<< endl` (a newline and a flush) -> `<< '\\n'`; the stream is flushed at exit."""
    m = mask(src)
    spots = [f for f in ENDL.finditer(m)]
    if not spots:
        return None
    out, last = [], 0
    for f in spots:
        out.append(src[last:f.start()] + "<<" + f.group(1) + "'\\n'")
        last = f.end()
    return "".join(out) + src[last:]


READER = r"""
// Buffered input (rewrite `buffered_reader`): whole-buffer fread, hand-rolled integer parsing.
struct McReader {
    char buf[1 << 16];
    int len = 0, pos = 0;
    bool ok = true;
    int peek() {
        if (pos == len) {
            len = (int)std::fread(buf, 1, sizeof buf, stdin);
            pos = 0;
            if (len <= 0) { len = 0; return -1; }
        }
        return (unsigned char)buf[pos];
    }
    bool skip() {
        int c;
        while ((c = peek()) != -1 && std::isspace(c)) pos++;
        if (c == -1) ok = false;
        return ok;
    }
    std::string token() {
        std::string s;
        int c;
        while ((c = peek()) != -1 && !std::isspace(c)) { s.push_back((char)c); pos++; }
        return s;
    }
    template <class T, typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, char>::value && !std::is_same<T, bool>::value, int>::type = 0>
    McReader& operator>>(T& x) {
        if (!skip()) return *this;
        bool neg = false;
        int c = peek();
        if (c == '-' || c == '+') { neg = c == '-'; pos++; c = peek(); }
        if (c < '0' || c > '9') { ok = false; return *this; }
        T v = 0;
        while ((c = peek()) >= '0' && c <= '9') { v = (T)(v * 10 + (c - '0')); pos++; }
        x = neg ? (T)(0 - v) : v;
        return *this;
    }
    template <class T, typename std::enable_if<std::is_floating_point<T>::value, int>::type = 0>
    McReader& operator>>(T& x) {
        if (skip()) x = (T)std::strtod(token().c_str(), nullptr);
        return *this;
    }
    McReader& operator>>(char& x) {
        if (skip()) { x = (char)peek(); pos++; }
        return *this;
    }
    McReader& operator>>(std::string& x) {
        if (skip()) x = token();
        return *this;
    }
    explicit operator bool() const { return ok; }
} mc_in;
"""

READER_HEADERS = ("cctype", "cstdio", "cstdlib", "string", "type_traits")


def _insert_block(src: str, block: str, headers: tuple[str, ...]) -> str:
    at = after_includes(src)
    includes = "".join(f"#include <{h}>\n" for h in headers
                       if not re.search(rf"#\s*include\s*<{h}>", src))
    head = src[:at]
    if at and not head.endswith("\n"):
        head += "\n"
    # New includes go first in the block: they must precede the code that uses them.
    return head + includes + block + src[at:]


def buffered_reader(src: str) -> str | None:
    """Every `cin >> ...` -> a buffered reader (fread + integer parsing by hand)."""
    m = mask(src)
    if "McReader" in m or C_STDIO.search(_program_mask(src)):
        return None
    spots = list(re.finditer(r"(?<![\w.:])(std::)?cin\b", m))
    reads = [f for f in spots if re.match(r"\s*>>", m[f.end():])]
    ties = [f for f in spots if re.match(r"\s*\.\s*tie\s*\(", m[f.end():])]
    if not reads or len(reads) + len(ties) != len(spots):
        return None
    out, last = [], 0
    for f in reads:
        out.append(src[last:f.start()] + "mc_in")
        last = f.end()
    return _insert_block("".join(out) + src[last:], READER, READER_HEADERS)


WRITER = r"""
// Buffered output (rewrite `buffered_writer`): one fwrite per 64 KiB, flushed at exit.
struct McWriter {
    char buf[1 << 16];
    int len = 0;
    ~McWriter() { flush(); }
    void flush() { if (len) std::fwrite(buf, 1, len, stdout); len = 0; std::fflush(stdout); }
    void put(char c) { if (len == (int)sizeof buf) flush(); buf[len++] = c; }
    McWriter& operator<<(char c) { put(c); return *this; }
    McWriter& operator<<(const char* s) { while (*s) put(*s++); return *this; }
    McWriter& operator<<(const std::string& s) { for (char c : s) put(c); return *this; }
    McWriter& operator<<(bool b) { put(b ? '1' : '0'); return *this; }
    template <class T, typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, char>::value && !std::is_same<T, bool>::value, int>::type = 0>
    McWriter& operator<<(T x) {
        char digits[24];
        int n = 0;
        typename std::make_unsigned<T>::type u = (typename std::make_unsigned<T>::type)x;
        if (x < 0) { put('-'); u = (typename std::make_unsigned<T>::type)(0 - u); }
        do { digits[n++] = (char)('0' + u % 10); u /= 10; } while (u);
        while (n) put(digits[--n]);
        return *this;
    }
    McWriter& operator<<(std::ostream& (*manip)(std::ostream&)) {
        if (manip == static_cast<std::ostream& (*)(std::ostream&)>(std::endl)) put('\n');
        else flush();
        return *this;
    }
} mc_out;
"""

WRITER_HEADERS = ("cstdio", "ostream", "string", "type_traits")


def buffered_writer(src: str) -> str | None:
    """Every `cout << ...` -> a buffered writer (integers formatted by hand). Left alone
    where floating-point values or stream formatting could be printed."""
    m = mask(src)
    if "McWriter" in m or C_STDIO.search(_program_mask(src)):
        return None
    if re.search(r"\b(float|double|long\s+double|setprecision|fixed|setw|hex|showpoint|cerr|clog)\b", _program_mask(src)):
        return None
    spots = list(re.finditer(r"(?<![\w.:])(std::)?cout\b", m))
    writes = [f for f in spots if re.match(r"\s*<<", m[f.end():])]
    if not writes or len(writes) != len(spots):
        return None
    out, last = [], 0
    for f in writes:
        out.append(src[last:f.start()] + "mc_out")
        last = f.end()
    return _insert_block("".join(out) + src[last:], WRITER, WRITER_HEADERS)


REWRITES = [
    Rewrite("fast_io", "cpp", (IO,), fast_io,
            "unsynchronised C++ streams (`sync_with_stdio(false)`, `cin.tie(nullptr)`)", weight=3),
    Rewrite("endl_to_newline", "cpp", (IO,), endl_to_newline, "`endl` -> `'\\n'` (no flush per line)", weight=3),
    Rewrite("buffered_reader", "cpp", (IO,), buffered_reader,
            "`cin >>` -> a buffered reader with hand-rolled integer parsing", weight=2),
    Rewrite("buffered_writer", "cpp", (IO,), buffered_writer,
            "`cout <<` -> a buffered writer with hand-rolled integer formatting", weight=2),
]
