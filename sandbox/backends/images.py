"""A sandbox image built the first time a run needs it, with progress and an estimate.

A fresh machine builds only what its first job needs (`scripts/optimize.sh`: the cpp image);
the kernel images (minutes each) wait until a kernel task asks for one. Several processes
may ask at once (a sweep's workers): a file lock lets one build while the others wait.
The build runs under the caller's shared timing lease (the docker backend's `run`), so no
timing stage measures while it takes the CPU.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import time
from pathlib import Path

from maxcode.records.errors import BackendUnavailable

log = logging.getLogger(__name__)

IMAGES_DIR = Path(__file__).resolve().parent.parent / "images"
BUILD_SCRIPT = IMAGES_DIR / "build.sh"
# Wall time of a build on a fresh 2-core VM (debootstrap base excluded: about a minute more
# when it is missing too): kernel-cpu took 220 s in the fresh-machine measurement of issue 23.
ESTIMATE_S = {"cpp": 60, "kernel-cpu": 220, "kernel-cuda": 600}
LOCK_FILE = Path(os.environ.get("TMPDIR", "/tmp")) / "maxcode-image-build.lock"


def buildable(image: str, prefix: str) -> bool:
    """Whether build.sh makes this image: one of its folders, under the name prefix it builds
    (MAXCODE_IMAGE_PREFIX, default maxcode/; another prefix names images made elsewhere), and
    not switched off (MAXCODE_BUILD_IMAGES=0)."""
    return (prefix == os.environ.get("MAXCODE_IMAGE_PREFIX", "maxcode/")
            and (IMAGES_DIR / image / "Dockerfile").is_file()
            and os.environ.get("MAXCODE_BUILD_IMAGES", "1") != "0")


def build_on_first_use(image: str, prefix: str = "maxcode/") -> None:
    """Builds PREFIX+IMAGE with build.sh, logging its steps as they come; raises
    BackendUnavailable (with the build's last lines) when it fails."""
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then reuse
        estimate = ESTIMATE_S.get(image, 300)
        log.warning("sandbox image %s%s is not built yet: building it now, on first use "
                    "(about %d min on 2 cores; once per machine)", prefix, image, max(1, round(estimate / 60)))
        started = time.monotonic()
        tail: list[str] = []
        env = {**os.environ, "MAXCODE_BUILD_PROGRESS": "1", "MAXCODE_IMAGE_PREFIX": prefix}
        with subprocess.Popen(["bash", str(BUILD_SCRIPT), image], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip()
                tail = [*tail[-39:], line]
                if line.startswith(("[images]", "Step ")):
                    elapsed = time.monotonic() - started
                    log.warning("[%3.0f s of ~%d s] %s", elapsed, estimate, line[:140])
        if proc.returncode != 0:
            raise BackendUnavailable(
                f"building the sandbox image {prefix}{image} failed:\n" + "\n".join(tail[-15:]),
                f"fix the cause above and run `bash {BUILD_SCRIPT} {image}`, or use sandbox=local")
        log.warning("sandbox image %s%s ready after %.0f s", prefix, image, time.monotonic() - started)
