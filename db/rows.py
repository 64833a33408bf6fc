"""Rows to records: a dataclass read from the columns named like its fields; records to the column arrays a
batch write unnests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def record_of(cls: type[T], row: Any, **computed: Any) -> T:
    """`cls` with each field read from the row's column of the same name, but those given in `computed`."""
    return cls(**{f.name: row[f.name] for f in fields(cls) if f.name not in computed}, **computed)


def arrays_of(items: Sequence[Any], names: str) -> list[list[Any]]:
    """For each attribute in `names` (space-separated, as namedtuple takes them), a list of it for every
    item in order: the arrays `unnest($1::type[], $2::type[], ...)` turns back into rows, so a batch is
    written in one statement."""
    return [[getattr(item, name) for item in items] for name in names.split()]
