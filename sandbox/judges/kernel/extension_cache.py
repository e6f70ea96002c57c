"""Content-hash cache of built extensions, shared by every evaluation on this host.

A key hashes the candidate source with the toolchain and device it was built for; the value
is the tar of shared objects the worker produced. Every candidate builds in its own fresh
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
    def __init__(self, root: str | Path | None) -> None:
        self.root = Path(root) if root else None

    def get(self, key: str) -> bytes | None:
        if self.root is None:
            return None
        path = self.root / f"{key}.tar"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, blob: bytes) -> None:
        if self.root is None or not blob:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, self.root / f"{key}.tar")
        log.debug("cached build %s (%d bytes)", key[:12], len(blob))
