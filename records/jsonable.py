"""JSON round-trip for the plain dataclasses that cross layers.

Records hold only JSON-safe values (str, int, float, bool, None, lists, dicts, nested
records, enums of str); `from_dict` rebuilds nested records from the field type hints so
no record needs a hand-written decoder.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(record: Any) -> Any:
    """Turn a record (or a container of records) into JSON-safe builtins."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_dict(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, enum.Enum):
        return record.value
    if isinstance(record, (list, tuple)):
        return [to_dict(v) for v in record]
    if isinstance(record, dict):
        return {str(k): to_dict(v) for k, v in record.items()}
    return record


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild `cls` from the output of `to_dict`; unknown keys are an error."""
    return _decode(cls, data)


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _decode(args[0], value)
        return value
    if origin in (list, tuple):
        args = typing.get_args(tp)
        item = args[0] if args else Any
        items = list(value) if item in _PLAIN else [_decode(item, v) for v in value]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        _, vt = typing.get_args(tp) or (Any, Any)
        return dict(value) if vt in _PLAIN else {k: _decode(vt, v) for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if dataclasses.is_dataclass(tp):
        hints, names = _fields(tp)
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{tp.__name__}: unknown field(s) {sorted(unknown)}")
        return tp(**{k: _decode(hints[k], v) for k, v in value.items()})
    return value


_PLAIN = (Any, float, int, str)


@cache
def _fields(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    """Resolved type hints and field names of a record type, once per type: resolving them
    for every record was most of the time a 1,000-node run took to read."""
    return typing.get_type_hints(cls), frozenset(f.name for f in dataclasses.fields(cls))
