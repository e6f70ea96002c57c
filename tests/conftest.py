"""Shared fixtures and capability skips.

`MAXCODE_REQUIRE_DOCKER=1` (set by CI) turns a missing Docker engine from a skip into a
failure, so CI cannot pass with the Docker backend silently untested.
"""

from __future__ import annotations

import os

import pytest


def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def require_docker() -> None:
    if docker_available():
        return
    if os.environ.get("MAXCODE_REQUIRE_DOCKER") == "1":
        pytest.fail("Docker engine not reachable but MAXCODE_REQUIRE_DOCKER=1")
    pytest.skip("no Docker engine")
