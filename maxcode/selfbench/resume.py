"""Resuming a long bench into its own JSON file: the earlier figures, or an error that
leaves a file alone when it holds something else or was made with other settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from maxcode.errors import UserError

T = TypeVar("T")


def earlier_figures(json_path: str | None, bench: str, settings: dict, read: Callable[[dict], T]) -> T | None:
    """What `read` takes from the file's figures when they are this bench's, made with these
    settings (None: no file). `read` raising KeyError or TypeError means another file."""
    if not json_path or not Path(json_path).is_file():
        return None
    try:
        earlier = json.loads(Path(json_path).read_text())
        figures, earlier_settings = read(earlier), earlier["settings"]
    except (ValueError, KeyError, TypeError):
        raise UserError(f"--json {json_path}: the file exists and is not a {bench} result",
                        "pass a new file name (this one is left as it is)") from None
    if earlier_settings != settings:
        changed = ", ".join(differences(earlier_settings, settings)[:3])
        raise UserError(f"--json {json_path} holds a {bench} run made with other settings ({changed})",
                        "pass a new file name, or the same settings to resume it")
    return figures


def differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested settings dicts, as 'key: old -> new'."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for key in sorted(set(old) | set(new), key=str)
                for d in differences(old.get(key), new.get(key), f"{prefix}{key}.")]
    return [] if old == new else [f"{prefix.rstrip('.')}: {old!r} -> {new!r}"]
