"""Choosing and building backends: the factory, the config files, `auto`, clear errors
when the engine or an image is missing, the host watchdog, and the images' contents."""

from __future__ import annotations

import os
import time
from pathlib import Path

import maxcode.sandbox.backends.docker as docker_module
import pytest
from maxcode.records.errors import BackendUnavailable, ConfigError
from maxcode.sandbox.backends import make_backend
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.run_spec import Limits, RunSpec, Step
from programs.support import backend_for, program

from maxcode.config import CONF_DIR, load_config
from maxcode.judging import make_backend as make_backend_from_config


@pytest.mark.parametrize("kind", sorted(p.stem for p in (CONF_DIR / "sandbox").glob("*.yaml")))
def test_every_sandbox_config_builds_a_backend(kind, request):
    if kind != "auto":  # auto takes whichever backend this machine has
        request.getfixturevalue(f"require_{kind}")
    backend = make_backend_from_config(load_config([f"sandbox={kind}"]))
    try:
        assert isinstance(backend, Backend) and backend.name in ("docker", "local")
        assert backend.isolation.startswith(("auto -> ", kind) if kind == "auto" else (kind,))
        assert backend.run(RunSpec(steps=[Step(argv=["true"])])).steps[0].ok
    finally:
        backend.close()


def test_unknown_kind_names_the_choices():
    with pytest.raises(ConfigError, match="docker, local"):
        make_backend("podman")


def test_engine_absent_says_how_to_start_it(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(BackendUnavailable) as info:
        make_backend("docker", client_timeout_s=2)
    assert "install_engine.sh" in info.value.fix


def test_auto_falls_back_to_local_and_says_why(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    backend = make_backend("auto", docker={"client_timeout_s": 2})
    assert backend.name == "local"
    assert backend.isolation.startswith("auto -> local") and "docker not used" in backend.isolation


def test_missing_image_says_how_to_build_it(require_docker):
    backend = make_backend("docker", image_prefix="maxcode-missing/")
    with pytest.raises(BackendUnavailable) as info:
        backend.run(RunSpec(steps=[Step(argv=["true"])]))
    assert "build.sh" in info.value.fix
    fallback = make_backend("auto", docker={"image_prefix": "maxcode-missing/"})
    assert fallback.name == "local" and "images not built" in fallback.isolation


def test_watchdog_kills_a_stuck_runner_and_discards_its_container(require_docker, monkeypatch):
    backend = make_backend("docker", grace_s=1.0)
    try:
        assert backend.run(RunSpec(steps=[Step(argv=["true"])])).steps[0].ok
        # A container whose agent takes the run and never answers (as if wedged): only the
        # host-side watchdog can end it. Another memory cap, so a new container is made.
        monkeypatch.setattr(docker_module, "_AGENT", 'read -r len uid; head -c "$len" >/dev/null; sleep 60')
        stuck = Step(argv=["true"], limits=Limits(wall_time_s=0.5, memory_bytes=3 << 30))
        spec = RunSpec(steps=[stuck])
        result = backend.run(spec)
        assert result.steps[0].timed_out and result.host_time_s < 10
        monkeypatch.undo()
        assert not backend._idle.get(("cpp", backend._container_memory(spec))), "killed container was pooled"
        assert backend.run(RunSpec(steps=[Step(argv=["echo", "ok"])])).steps[0].stdout == b"ok\n"
        assert backend.run(spec).steps[0].ok  # a fresh container for that cap works
    finally:
        backend.close()


def test_kernel_cpu_image_has_the_hosts_torch(request):
    torch = pytest.importorskip("torch")
    backend = backend_for("docker", request)
    try:
        if not backend.image_available("kernel-cpu"):
            pytest.fail("image maxcode/kernel-cpu missing: bash sandbox/images/build.sh")
        code = "import torch, numpy; print(torch.__version__)"
        step = backend.run(RunSpec(steps=[Step(argv=["python3", "-c", code], limits=Limits(wall_time_s=60))],
                                   image="kernel-cpu")).steps[0]
        assert step.ok, step.stderr
        assert step.stdout.decode().strip() == torch.__version__
        tools = backend.run(RunSpec(steps=[Step(argv=["sh", "-c", "command -v g++ ninja mcrun"])],
                                    image="kernel-cpu")).steps[0]
        assert tools.ok and tools.stdout.count(b"/") >= 3
    finally:
        backend.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="without root, a daemon that leaves the process group escapes")
def test_local_without_bubblewrap_says_it_is_weaker_and_still_kills():
    backend = make_backend("local", use_bwrap="never")
    assert "share the host file system and network" in backend.isolation
    steps = [Step(argv=["./daemonize", "bg.log"]), Step(argv=["./spin"], limits=Limits(wall_time_s=0.5))]
    files = {name: program(name) for name in ("daemonize", "spin")}
    started = time.monotonic()
    daemon, spin = backend.run(RunSpec(steps=steps, files=files, executables=frozenset(files))).steps
    assert daemon.ok and spin.timed_out and time.monotonic() - started < 10
    assert _alive_named("mcdaemon") == []
    assert backend.run(RunSpec(steps=[Step(argv=["echo", "ok"])])).steps[0].stdout == b"ok\n"


def _alive_named(name: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(entry.name)
        except OSError:
            continue
    return found
