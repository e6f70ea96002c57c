"""A fingerprint of the machine that timed a program, stored in every Evaluation.

Timings are only comparable on the same hardware, kernel and toolchain; the fingerprint
makes that checkable after the fact.
"""

from __future__ import annotations

import functools
import os
import platform
from typing import Any


@functools.lru_cache(maxsize=1)
def _host() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu_model": model,
        "logical_cores": os.cpu_count() or 0,
        "usable_cores": usable,
        "machine": platform.machine(),
        "kernel": platform.release(),
        "os": platform.system(),
    }


def fingerprint(toolchain: str | None = None) -> dict[str, Any]:
    """CPU model, core counts, kernel, and the toolchain id of the image that built/ran it."""
    info = dict(_host())
    if toolchain is not None:
        info["toolchain"] = toolchain
    return info
