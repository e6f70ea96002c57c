"""Shared fixtures and capability skips.

`MAXCODE_REQUIRE_SANDBOXES=1` (set by CI) turns a missing Docker engine or a missing
bubblewrap from a skip into a failure, so CI cannot pass with a sandbox backend silently
untested or running without its isolation.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRED = os.environ.get("MAXCODE_REQUIRE_SANDBOXES") == "1"


def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


def bwrap_available() -> bool:
    """The local backend isolates (namespaces, candidate uid) only with bubblewrap as root."""
    return shutil.which("bwrap") is not None and os.geteuid() == 0


def _missing(what: str, fix: str) -> None:
    if REQUIRED:
        pytest.fail(f"{what} but MAXCODE_REQUIRE_SANDBOXES=1 ({fix})")
    pytest.skip(f"{what} ({fix})")


@pytest.fixture(scope="session")
def require_docker() -> None:
    if not docker_available():
        _missing("no Docker engine", "bash sandbox/images/install_engine.sh")


@pytest.fixture(scope="session")
def require_local() -> None:
    """The local backend with its isolation: `request.getfixturevalue(f"require_{kind}")`."""
    if not bwrap_available():
        _missing("no bubblewrap, or not root", "apt-get install -y bubblewrap; run as root")
