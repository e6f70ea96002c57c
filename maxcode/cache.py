"""SQLite cache of LLM replies, keyed by model, prompt, sampling parameters and draw index.

A re-run with the same seed asks for the same (prompt, draw) pairs and so costs nothing;
the draw index (how many samples this prompt already had in the run) keeps repeated
samples of one prompt distinct.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any


def cache_key(model: str, messages: list[dict[str, str]], params: dict[str, Any], draw: int) -> str:
    payload = json.dumps(
        {"model": model, "messages": messages, "params": params, "draw": draw}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class LLMCache:
    """A key -> JSON value table in one SQLite file, safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, value TEXT, created REAL)"
        )
        self._db.commit()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM replies WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO replies VALUES (?, ?, ?)", (key, json.dumps(value), time.time())
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
