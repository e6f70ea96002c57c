"""The host build cache: content keys, atomic entries, concurrent writers."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from maxcode.sandbox.build_cache import BuildCache, cache_key


def test_keys_separate_their_parts() -> None:
    assert cache_key("ab", "c") != cache_key("a", "bc")
    assert cache_key("x", b"y") == cache_key(b"x", "y")
    assert len(cache_key("x")) == 64


def test_binary_and_record_round_trip(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path)
    key = cache_key("src")
    assert cache.binary(key) is None and cache.record("baseline", key) is None
    path = cache.put_binary(key, b"\x7fELF...")
    assert cache.binary(key) == path and path.read_bytes() == b"\x7fELF..."
    assert os.access(path, os.X_OK)
    cache.put_record("baseline", key, {"test_times_s": [0.1, 0.2]})
    assert cache.record("baseline", key) == {"test_times_s": [0.1, 0.2]}
    assert not list(tmp_path.rglob(".tmp-*"))  # no temporary file left behind


def test_unreadable_record_counts_as_absent(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path)
    key = cache_key("src")
    cache.put_record("baseline", key, {"a": 1})
    path = next(tmp_path.rglob("*.json"))
    path.write_text("{truncated")
    assert cache.record("baseline", key) is None


def _writer(root: str, data: bytes, rounds: int) -> None:
    cache = BuildCache(root)
    for i in range(rounds):
        cache.put_binary(cache_key(str(i % 5)), data)


def test_concurrent_writers_never_leave_a_torn_entry(tmp_path: Path) -> None:
    # Two workers write the same keys at once (same content, as two builds of one source
    # would); every reader must see a whole entry.
    data = os.urandom(1 << 20)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), data, 40)) for _ in range(2)]
    for p in procs:
        p.start()
    cache = BuildCache(tmp_path)
    seen = 0
    while any(p.is_alive() for p in procs):
        for i in range(5):
            path = cache.binary(cache_key(str(i)))
            if path is not None:
                assert path.read_bytes() == data
                seen += 1
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert all(cache.binary(cache_key(str(i))).read_bytes() == data for i in range(5))
    assert not list(tmp_path.rglob(".tmp-*"))
