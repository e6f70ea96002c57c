"""The `tracker` group: which tracker (an adapter, or none) and how the follower paces itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maxcode.tracking.base import Tracker


@dataclass
class TrackingConfig:
    adapter: Tracker | None = None
    """The tracker (conf/tracker/*.yaml builds it); None: the run directory is the only record."""
    poll_s: float = 2.0
    """How often the follower reads the run directory for new judged evaluations."""
    retry_s: float = 30.0
    """How long a failed tracker is left alone before the next try."""
    finish_timeout_s: float = 30.0
    """How long the end of a run waits for the tracker to confirm the rest."""

    def follow(self, job: Any, directory: Path) -> Any:
        """A started Follower of `job`, or None without a tracker."""
        from maxcode.tracking.follower import Follower

        if self.adapter is None:
            return None
        return Follower(job, directory, self.adapter.describe(), self.poll_s, self.retry_s,
                        self.finish_timeout_s).start()


def overrides_as_tags(overrides: list[str]) -> dict[str, str]:
    """Hydra overrides (`key=value`) as tags; a bare token keeps itself as its value."""
    tags = {}
    for token in overrides:
        key, sep, value = token.partition("=")
        tags[f"override.{key.lstrip('+~')}"] = value if sep else token
    return tags
