"""The worker's unpacking of cached builds: an archive a candidate run produced is hostile."""

from __future__ import annotations

import io
import tarfile

from maxcode.sandbox.judges.kernel import worker


def _add(tar: tarfile.TarFile, name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE,
         link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def test_only_plain_files_with_plain_names_are_unpacked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with tarfile.open("ext_cache.tar", "w") as tar:
        _add(tar, "abc123.so", b"ELF...")
        _add(tar, "../escaped.so", b"evil")
        _add(tar, "sub/dir.so", b"evil")
        _add(tar, "/abs.so", b"evil")
        _add(tar, ".hidden", b"evil")
        _add(tar, "link.so", kind=tarfile.SYMTYPE, link="/etc/passwd")
        _add(tar, "hard.so", kind=tarfile.LNKTYPE, link="abc123.so")
    worker._unpack_cache()
    assert sorted(p.name for p in (tmp_path / "ext_cache").iterdir()) == ["abc123.so"]
    assert (tmp_path / "ext_cache" / "abc123.so").read_bytes() == b"ELF..."
    assert not (tmp_path / "escaped.so").exists() and not (tmp_path / "sub").exists()


def test_no_archive_no_cache_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    worker._unpack_cache()
    assert not (tmp_path / "ext_cache").exists()
