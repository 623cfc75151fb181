"""Build one record type from another that shares its field names.

Rows, domain dataclasses and API models of one concept carry the same names on purpose (one
schema per concept); `carry` copies those fields across, and a call names only what differs
(a conversion, a derived value), so a field added to both sides needs no third edit.
Framework-free: domain, persistence and API code all use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def field_names(cls: type) -> tuple[str, ...]:
    """The constructor fields of a dataclass or a pydantic / SQLModel model."""
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls) if f.init)
    model_fields = getattr(cls, "model_fields", None)
    if model_fields is None:
        raise TypeError(f"{cls.__name__} is neither a dataclass nor a pydantic model")
    return tuple(model_fields)


def carry(cls: Callable[..., T], source: object, /, **values: Any) -> T:
    """`cls(**values)`, each other field of `cls` taken from `source`'s attribute of the same
    name (fields `source` lacks are left to their defaults)."""
    missing = object()
    for name in field_names(cls):  # type: ignore[arg-type]
        if name not in values and (value := getattr(source, name, missing)) is not missing:
            values[name] = value
    return cls(**values)
