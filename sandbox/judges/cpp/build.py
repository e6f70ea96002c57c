"""Stage 1 of the C++ judge: compile a source in the sandbox, through the build cache.

The compiler runs inside the sandbox (it is attacker-controlled input too: `#include
"/etc/shadow"`, template bombs), and the binary comes back to the host cache keyed by
source + compiler + flags + the backend's toolchain id for the image, so a cached binary
is only reused where it was built for. Deterministic compile failures are cached as well
(LLMs repeat themselves); failures caused by a limit are not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from maxcode.records.evaluation import truncate
from maxcode.sandbox.backends.base import Backend
from maxcode.sandbox.build_cache import BuildCache, cache_key
from maxcode.sandbox.run_spec import Limits, RunSpec, Step

log = logging.getLogger(__name__)

SOURCE = "main.cpp"
BINARY = "prog"


@dataclass
class BuildResult:
    key: str
    """Cache key of this build."""
    binary: Path | None
    """Host path of the binary (in the cache), None when the build failed."""
    log: str = ""
    """Compiler output (truncated)."""
    cached: bool = False
    timed_out: bool = False
    memory_exceeded: bool = False

    @property
    def ok(self) -> bool:
        return self.binary is not None


class Builder:
    """Compiles C++ sources with one compiler, flag set and image."""

    def __init__(
        self, backend: Backend, cache: BuildCache, compiler: str, flags: list[str],
        limits: Limits, image: str,
    ) -> None:
        self.backend = backend
        self.cache = cache
        self.compiler = compiler
        self.flags = list(flags)
        self.limits = limits
        self.image = image
        self._toolchain: str | None = None

    @property
    def toolchain(self) -> str:
        if self._toolchain is None:
            self._toolchain = self.backend.toolchain_id(self.image)
        return self._toolchain

    def key(self, source: str) -> str:
        return cache_key("cpp-build-v1", self.toolchain, self.compiler, "\0".join(self.flags), source)

    def build(self, source: str) -> BuildResult:
        key = self.key(source)
        binary = self.cache.binary(key)
        if binary is not None:
            record = self.cache.record("build-log", key) or {}
            return BuildResult(key, binary, record.get("log", ""), cached=True)
        failed = self.cache.record("compile-error", key)
        if failed is not None:
            return BuildResult(key, None, failed.get("log", ""), cached=True)

        result = self.backend.run(RunSpec(
            steps=[Step([self.compiler, *self.flags, SOURCE, "-o", BINARY], limits=self.limits, label="compile")],
            files={SOURCE: source.encode()},
            collect=[BINARY],
            image=self.image,
        ))
        step = result.steps[0]
        text = truncate((step.stderr + step.stdout).decode("utf-8", errors="replace"))
        data = result.files.get(BINARY)
        if step.ok and data:
            path = self.cache.put_binary(key, data)
            if text:
                self.cache.put_record("build-log", key, {"log": text})
            log.debug("built %s (%d bytes) in %.2fs", key[:12], len(data), step.wall_time_s)
            return BuildResult(key, path, text)
        limited = step.timed_out or step.memory_exceeded or step.output_exceeded or step.signal is not None
        if step.timed_out:
            text = truncate(f"compilation timed out after {self.limits.wall_time_s:g}s\n{text}")
        elif step.memory_exceeded:
            text = truncate(f"compilation exceeded {self.limits.memory_bytes} bytes of memory\n{text}")
        elif step.ok:
            text = truncate(f"the compiler exited 0 but produced no binary\n{text}")
        if not limited and step.exit_code not in (0, None):
            self.cache.put_record("compile-error", key, {"log": text})
        return BuildResult(key, None, text, timed_out=step.timed_out, memory_exceeded=step.memory_exceeded)
