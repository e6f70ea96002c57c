"""Profiles kept by content, so a program met again is not profiled again.

The rules critique profiles every correct candidate (callgrind on the largest C++ test,
torch.profiler on a kernel's inputs): seconds to minutes each. A search, a resumed run, the
league's strategies and seeds, and the reward-to-go rollouts meet the same programs over and
over (the verdict memo serves their verdicts); their profiles are the same too. A key hashes
everything the profile depends on (the profiler and its command, the toolchain of the image,
the program, its input); the value is the profile as JSON, one file per key, written
atomically. Callgrind counts instructions, so its cached profile is the profile; a kernel's
per-operator times are a measurement, reused as the diagnosis it was.
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

VERSION = "1"
"""Bump when the stored layout of a profile changes."""


def profile_key(*parts: str | bytes) -> str:
    h = hashlib.sha256(VERSION.encode())
    for part in parts:
        h.update(b"\0")
        h.update(part if isinstance(part, bytes) else part.encode())
    return h.hexdigest()


class ProfileCache:
    """`root`/<key>.json; no root: nothing kept."""

    def __init__(self, root: str | Path | None) -> None:
        self.root = Path(root) if root else None

    def get(self, key: str) -> dict[str, Any] | None:
        if self.root is None:
            return None
        try:
            value = json.loads((self.root / f"{key}.json").read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, UnicodeDecodeError) as exc:  # a damaged entry is profiled again
            log.warning("profile cache entry %s unreadable (%s); profiling again", key[:12], exc)
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        # Two workers may profile one program at once: each writes its own file, the last
        # rename wins, and a reader sees one whole profile or none.
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
        with os.fdopen(fd, "w") as f:
            json.dump(value, f)
        os.replace(tmp, self.root / f"{key}.json")
