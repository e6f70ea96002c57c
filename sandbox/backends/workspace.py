"""Filling a fresh workspace from a RunSpec and reading back what the runner wrote."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from sandbox.backends.base import RunSpec


def check_relative(path: str) -> str:
    """A workspace path must stay inside the workspace."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ValueError(f"workspace path must be relative and inside the workspace: {path!r}")
    return str(pure)


def populate(root: Path, spec: RunSpec, uid: int | None) -> None:
    """Copy the spec's files under `root`, owned by the candidate uid when we are root."""
    for name, content in spec.files.items():
        target = root / check_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
        target.chmod(0o755 if name in spec.executables else 0o644)
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
    owned by `uid`; the plan stays root's and unreadable to the candidate.
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dirs = {workspace}
        entries: list[tuple[str, bytes, int, int]] = [(plan_path, plan.encode(), 0o600, 0)]
        for name, content in spec.files.items():
            rel = check_relative(name)
            data = content.read_bytes() if isinstance(content, Path) else content
            mode = 0o755 if name in spec.executables else 0o644
            entries.append((f"{workspace}/{rel}", data, mode, uid))
            parent = PurePosixPath(workspace, rel).parent
            while str(parent) not in dirs and str(parent) != ".":
                dirs.add(str(parent))
                parent = parent.parent
        for d in sorted(dirs):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o755, uid, uid
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
