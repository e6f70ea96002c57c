"""Checks shared by the readers of the built-in suites' index files (`suite.yaml`).

Every failure is a `TaskError` naming the file and the field, with the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from maxcode.records.errors import TaskError


def check_fields(
    path: Path,
    where: str,
    data: Mapping[str, Any],
    known: Mapping[str, str],
    required: Sequence[str],
) -> None:
    """`data` (found at `where` in `path`) has only `known` fields and all `required` ones."""
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise TaskError(
            f"{path}: {where} has unknown field(s) {unknown}", f"known fields: {sorted(known)}"
        )
    missing = [f for f in required if f not in data]
    if missing:
        raise TaskError(f"{path}: {where} lacks field(s) {missing}", f"add {missing}")


def check_variant_specs(
    path: Path,
    where: str,
    variants: Any,
    known: Mapping[str, str],
    required: Sequence[str],
    speeds: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """`{label: {expect_correct, expect_speed, ...}}`: a speed claim from `speeds` for each
    correct variant, none for an incorrect one. Returns plain dict copies."""
    if not isinstance(variants, dict):
        raise TaskError(f"{path}: {where} must map labels to variant specs", "fix the suite index")
    for label, spec in variants.items():
        at = f"{where}.{label}"
        if not isinstance(spec, dict):
            raise TaskError(f"{path}: {at} must be a mapping", f"use the fields {sorted(known)}")
        check_fields(path, at, spec, known, required)
        if not isinstance(spec["expect_correct"], bool):
            raise TaskError(
                f"{path}: {at}.expect_correct must be true or false", "fix the suite index"
            )
        speed = spec.get("expect_speed")
        if spec["expect_correct"] and speed not in speeds:
            raise TaskError(
                f"{path}: {at}.expect_speed must be one of {tuple(speeds)}", "fix the suite index"
            )
        if not spec["expect_correct"] and speed is not None:
            raise TaskError(
                f"{path}: {at}.expect_speed makes no sense for an incorrect variant", "remove it"
            )
    return {label: dict(spec) for label, spec in variants.items()}
