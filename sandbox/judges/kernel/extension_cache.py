"""Content-hash cache of what workers build (extensions, a compiled reference's compiler cache),
shared by every evaluation on this host.

A key hashes the source with the toolchain and device it was built for; the value is the tar
the worker produced. The last few entries are also kept in memory, so the next processes of
a judgement get them even when no cache directory is configured. Every candidate builds in its own fresh
workspace, so parallel builds never share a directory; only finished results meet here,
written atomically. An entry can only ever be used by the same source, so a candidate can
at most poison its own entry.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def cache_key(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


class ExtensionCache:
    def __init__(self, root: str | Path | None, keep: int = 8) -> None:
        """`root`: the directory of entries (None: memory only); `keep`: entries kept in memory."""
        self.root = Path(root) if root else None
        self.keep = keep
        self._recent: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        if key in self._recent:
            return self._recent[key]
        if self.root is None:
            return None
        path = self.root / f"{key}.tar"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, blob: bytes) -> None:
        if not blob:
            return
        self._recent[key] = blob
        while len(self._recent) > self.keep:
            self._recent.pop(next(iter(self._recent)))
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, self.root / f"{key}.tar")
        log.debug("cached build %s (%d bytes)", key[:12], len(blob))
