"""A background thread that keeps a tracked run (or a sweep's) up to date with its directory.

The search never waits for it: the thread polls the directory, and a tracker that fails is
warned about once and retried later; the directory holds everything in the meantime. At the
end, the thread gets `finish_timeout_s` to log what is left, the summary and the artifacts;
what it could not log, `maxcode track sync DIR` logs afterwards.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Followed(Protocol):
    def update(self) -> None: ...

    def finish(self, status: str) -> None: ...


@dataclass
class Follower:
    job: Followed
    directory: Path
    where: str
    """The tracker, in words (for the warnings)."""
    poll_s: float = 2.0
    retry_s: float = 30.0
    finish_timeout_s: float = 30.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _status: str = "finished"
    _retry_at: float = 0.0
    _warned: bool = False
    _ok: bool = False

    def start(self) -> Follower:
        threading.Thread(target=self._loop, name="maxcode-tracker", daemon=True).start()
        return self

    def stop(self, status: str) -> bool:
        """Ends the tracked run with `status` (finished, failed, killed); True when the
        tracker confirmed everything in time."""
        self._status = status
        self._stop.set()
        if not self._done.wait(self.finish_timeout_s) or not self._ok:
            log.warning("the tracker (%s) is not up to date with %s; the run directory holds "
                        "everything: upload it with `maxcode track sync %s`",
                        self.where, self.directory, self.directory)
            return False
        return True

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.poll_s):
                if time.monotonic() >= self._retry_at:
                    self._ok = self._attempt(self.job.update)
            self._ok = self._attempt(lambda: self.job.finish(self._status))
        finally:
            self._done.set()

    def _attempt(self, call) -> bool:
        try:
            call()
            return True
        except Exception as exc:  # whatever the tracker's client raises, the search goes on
            if not self._warned:
                self._warned = True
                log.warning("the tracker (%s) failed (%s: %s); the search goes on, its directory keeps "
                            "the record, and the tracker is retried every %.0f s",
                            self.where, type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "",
                            self.retry_s)
            else:
                log.debug("tracker still failing", exc_info=True)
            self._retry_at = time.monotonic() + self.retry_s
            return False
