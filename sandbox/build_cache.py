"""A content-addressed cache of build products and judge facts, on the host.

Entries live under `<cache_dir>/<kind>/<key[:2]>/<key>.<ext>`. A key is a SHA-256 over
everything that decides the content (source, compiler, flags, toolchain id), built with
`cache_key`. Writes go to a temporary file in the same directory and are renamed into
place (`os.replace` is atomic on POSIX), so a reader sees a whole entry or none, and two
workers that build the same thing at once both write the same bytes and neither corrupts
the other. Nothing is ever updated in place, so no lock is needed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def cache_key(*parts: str | bytes) -> str:
    """SHA-256 of the parts, length-prefixed so ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class BuildCache:
    """Binaries and JSON records keyed by content hash."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()

    def _path(self, kind: str, key: str, ext: str) -> Path:
        return self.root / kind / key[:2] / f"{key}.{ext}"

    def _write(self, path: Path, data: bytes, mode: int = 0o644) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def binary(self, key: str) -> Path | None:
        """Host path of a cached binary, or None."""
        path = self._path("bin", key, "bin")
        return path if path.is_file() else None

    def put_binary(self, key: str, data: bytes) -> Path:
        return self._write(self._path("bin", key, "bin"), data, 0o755)

    def record(self, kind: str, key: str) -> dict[str, Any] | None:
        """A cached JSON record, or None (an unreadable entry counts as absent)."""
        path = self._path(kind, key, "json")
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None

    def put_record(self, kind: str, key: str, record: dict[str, Any]) -> Path:
        return self._write(self._path(kind, key, "json"), json.dumps(record).encode())
