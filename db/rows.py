"""Rows to records: a dataclass read from the columns named like its fields."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def record_of(cls: type[T], row: Any, **computed: Any) -> T:
    """`cls` with each field read from the row's column of the same name, but those given in `computed`."""
    return cls(**{f.name: row[f.name] for f in fields(cls) if f.name not in computed}, **computed)
