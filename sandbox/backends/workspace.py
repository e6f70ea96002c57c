"""Filling a fresh workspace from a RunSpec and reading back what the runner wrote."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from maxcode.sandbox.run_spec import RunSpec


def check_relative(path: str) -> str:
    """A workspace path must stay inside the workspace."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"workspace path must be relative and inside the workspace: {path!r}")
    return str(pure)


def file_mode(spec: RunSpec, name: str) -> int:
    """A workspace file's mode: sealed files are read-only to everyone, root included."""
    executable = name in spec.executables
    if spec.sealed:
        return 0o555 if executable else 0o444
    return 0o755 if executable else 0o644


def dir_mode(spec: RunSpec) -> int:
    """A workspace directory's mode: a sealed one can be passed through, never listed."""
    return 0o711 if spec.sealed else 0o755


def populate(root: Path, spec: RunSpec, uid: int | None) -> None:
    """Copy the spec's files under `root`, owned by the candidate uid when we are root (by
    root, read-only, when the spec is sealed)."""
    for name, content in spec.files.items():
        target = root / check_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
        target.chmod(file_mode(spec, name))
    if spec.sealed:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(dir_mode(spec))
        return
    if uid is not None:
        for path in [root, *root.rglob("*")]:
            try:
                os.chown(path, uid, uid, follow_symlinks=False)
            except PermissionError:
                break


def tar_files(spec: RunSpec, plan: str, uid: int, workspace: str = "work",
              plan_path: str = "run/mcrun/plan") -> bytes:
    """The workspace and the plan as one tar stream, extracted at `/` inside a container.

    Workspace entries (the directory itself included, so it becomes the candidate's) are
    owned by `uid`, or by root when the spec is sealed; the plan stays root's and
    unreadable to the candidate.
    """
    owner = 0 if spec.sealed else uid
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dirs = {workspace}
        entries: list[tuple[str, bytes, int, int]] = [(plan_path, plan.encode(), 0o600, 0)]
        for name, content in spec.files.items():
            rel = check_relative(name)
            data = content.read_bytes() if isinstance(content, Path) else content
            entries.append((f"{workspace}/{rel}", data, file_mode(spec, name), owner))
            parent = PurePosixPath(workspace, rel).parent
            while str(parent) not in dirs and str(parent) != ".":
                dirs.add(str(parent))
                parent = parent.parent
        for d in sorted(dirs):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, dir_mode(spec), owner, owner
            tar.addfile(info)
        for name, data, mode, owner in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid = len(data), mode, owner, owner
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def untar_results(stream: bytes) -> dict[str, bytes]:
    """Regular files of a tar stream by base name (the runner's result directory)."""
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(stream)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                if handle is not None:
                    out[PurePosixPath(member.name).name] = handle.read()
    return out
