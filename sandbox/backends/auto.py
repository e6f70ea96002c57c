"""The `auto` backend choice: docker when an engine answers and the images exist, else local.

The choice is logged and written into the chosen backend's `isolation`, so every
Evaluation says which isolation was really in force.
"""

from __future__ import annotations

import logging
from typing import Any

from maxcode.records.errors import BackendUnavailable
from maxcode.sandbox.backends.base import Backend

log = logging.getLogger(__name__)


def choose_backend(docker: dict[str, Any] | None = None, local: dict[str, Any] | None = None,
                   images: tuple[str, ...] = ("cpp",)) -> Backend:
    """A DockerBackend when the engine answers and every image in `images` is built,
    else a LocalBackend; `docker` / `local` are the keyword options of each."""
    from maxcode.sandbox.backends.docker import DockerBackend
    from maxcode.sandbox.backends.local import LocalBackend

    reason = ""
    try:
        backend = DockerBackend(**(docker or {}))
        missing = [name for name in images if not backend.image_available(name)]
        if not missing:
            backend.isolation = f"auto -> {backend.isolation}"
            log.info("sandbox: docker (%s)", backend.isolation)
            return backend
        backend.close()
        reason = f"images not built: {', '.join(missing)} (bash sandbox/images/build.sh)"
    except BackendUnavailable as exc:
        reason = exc.cause
    chosen = LocalBackend(**(local or {}))
    chosen.isolation = f"auto -> {chosen.isolation} [docker not used: {reason}]"
    log.warning("sandbox: local, because %s", reason)
    return chosen
