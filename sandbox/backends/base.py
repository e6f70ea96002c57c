"""The one interface every sandbox backend implements: `Backend`, a `Sandbox` (run_spec.py:
`Backend.run(spec) -> RunResult`) that the project can also ask for its toolchain and
release when done.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from maxcode.sandbox.run_spec import Sandbox


@runtime_checkable
class Backend(Sandbox, Protocol):
    """A sandbox the project builds from its config, keys caches by and closes."""

    dedicated_uid: bool
    """Whether every process of a run's candidate uid is that run's (no one else's): then a
    harness may stop or kill all of them at once with kill(-1)."""

    def toolchain_id(self, image: str) -> str:
        """Stable id of the compilers/libraries behind `image` (part of build-cache keys)."""
        ...

    def close(self) -> None:
        """Release containers, pools and temporary files."""
        ...
