"""Sandbox backends: `docker` (containers), `local` (bubblewrap or rlimits), `auto`.

`make_backend(kind, **options)` is the one factory (conf/sandbox/*.yaml point at it):

    make_backend("docker", pool_size=2)     DockerBackend (raises BackendUnavailable)
    make_backend("local", use_bwrap="auto") LocalBackend
    make_backend("auto", docker={...}, local={...})  docker if usable, else local
"""

from __future__ import annotations

from typing import Any

from maxcode.records.errors import ConfigError
from maxcode.sandbox.backends.base import Backend

KINDS = ("auto", "docker", "local")


def make_backend(kind: str = "auto", **options: Any) -> Backend:
    """The backend `kind` built with `options` (the keyword arguments of its class)."""
    if kind == "docker":
        from maxcode.sandbox.backends.docker import DockerBackend

        return DockerBackend(**options)
    if kind == "local":
        from maxcode.sandbox.backends.local import LocalBackend

        return LocalBackend(**options)
    if kind == "auto":
        from maxcode.sandbox.backends.auto import choose_backend

        return choose_backend(**options)
    raise ConfigError(f"unknown sandbox backend {kind!r}", f"use one of {', '.join(KINDS)}")
