"""The build cache: the last few entries in memory (so a judgement's later processes load a
build without a cache directory), everything on disk when it has one."""

from __future__ import annotations

from maxcode.sandbox.judges.kernel.extension_cache import ExtensionCache


def test_memory_only_keeps_the_last_entries():
    cache = ExtensionCache(None, keep=2)
    for key in "abc":
        cache.put(key, key.encode())
    assert cache.get("a") is None and cache.get("b") == b"b" and cache.get("c") == b"c"


def test_a_directory_keeps_every_entry_for_the_next_judge(tmp_path):
    cache = ExtensionCache(tmp_path, keep=1)
    for key in "abc":
        cache.put(key, key.encode())
    fresh = ExtensionCache(tmp_path)
    assert [fresh.get(k) for k in "abc"] == [b"a", b"b", b"c"]
    assert cache.get("missing") is None
    cache.put("empty", b"")
    assert cache.get("empty") is None
