"""The Docker backend leaves no container behind: not when a run is interrupted (Ctrl-C
stopping a sweep), and not after close() while containers are still being removed.

Stopping the league with Ctrl-C left 4 containers each time; the next backend's start
reaped them, but only on a machine where MaxCode runs again."""

from __future__ import annotations

import os

import pytest
from maxcode.sandbox.backends import docker as docker_backend
from maxcode.sandbox.run_spec import RunSpec, Step

pytestmark = pytest.mark.usefixtures("require_docker")


def _ours(backend: docker_backend.DockerBackend) -> set[str]:
    """Ids of the sandbox containers this test process owns, running or not."""
    label = f"{docker_backend._LABEL}.pid={os.getpid()}"
    return {c.id for c in backend.client.containers.list(all=True, filters={"label": label})}


def _echo() -> RunSpec:
    return RunSpec(steps=[Step(argv=["sh", "-c", "echo hi"])])


def test_a_run_interrupted_mid_request_removes_its_container(monkeypatch):
    backend = docker_backend.DockerBackend(pool_size=2)
    before = _ours(backend)

    def interrupted(container, stream):
        assert container.handle.id in _ours(backend)  # a real container was started for the run
        raise KeyboardInterrupt

    monkeypatch.setattr(docker_backend, "_request", interrupted)
    with pytest.raises(KeyboardInterrupt):
        backend.run(_echo())
    assert _ours(backend) <= before  # gone before close(): nothing would release it
    monkeypatch.undo()
    assert backend.run(_echo()).steps[0].stdout == b"hi\n"  # the backend still works
    backend.close()
    assert _ours(backend) <= before


def test_close_waits_for_the_containers_being_removed():
    # Without a pool every run's container is removed on a background thread; a process
    # that exits right after close() (a sweep worker) would kill those threads.
    backend = docker_backend.DockerBackend(pool_size=0)
    before = _ours(backend)
    for _ in range(3):
        assert backend.run(_echo()).steps[0].ok
    backend.close()
    assert _ours(backend) <= before
