"""The sanitizer re-run and the callgrind profile in the Docker backend's `cpp` image."""

from __future__ import annotations

import pytest
from critique_support import line_of, pie_task
from maxcode.critique.analyzers.callgrind import profile_with_callgrind
from maxcode.critique.analyzers.sanitizer import rerun_with_sanitizers

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def docker_backend(require_docker):
    from maxcode.sandbox.backends.docker import DockerBackend

    backend = DockerBackend()
    yield backend
    backend.close()


def test_asan_rerun_in_docker(docker_backend):
    task = pie_task("pm01_range_sum")
    source = task.baseline_source.replace("s += a[i];", "s += a[i + 50000000];")
    report = rerun_with_sanitizers(docker_backend, source, task.tests[0].input_path)
    assert report.kind in ("SEGV", "heap-buffer-overflow") and report.line == line_of(
        source, "a[i + 50000000]"
    )


def test_callgrind_in_docker(docker_backend):
    task = pie_task("pm01_range_sum")
    profile = profile_with_callgrind(
        docker_backend, task.baseline_source, task.tests[4].input_path, timeout_s=60
    )
    assert profile is not None
    assert profile.lines.most_common(1)[0][0] == line_of(task.baseline_source, "s += a[i]")
