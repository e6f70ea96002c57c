"""A small SQLite cache of critic replies, keyed by model, prompt and generation parameters.

Critic calls are deterministic in intent (greedy or fixed seed), so the same prompt to the
same model gives the same diagnosis on a re-run without paying for it again. The loop's own
proposer cache lives in `maxcode`, which this package may not import.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any


def generation_key(model_id: str, prompt: str, params: dict[str, Any]) -> str:
    payload = json.dumps({"model": model_id, "prompt": prompt, "params": params}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class GenerationCache:
    """key -> reply text in one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS critic_replies (key TEXT PRIMARY KEY, reply TEXT, created REAL)"
        )
        self._db.commit()

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT reply FROM critic_replies WHERE key = ?", (key,)
            ).fetchone()
        return row[0] if row else None

    def put(self, key: str, reply: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO critic_replies VALUES (?, ?, ?)", (key, reply, time.time())
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM critic_replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
