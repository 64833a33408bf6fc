"""Rows to records: a dataclass read from the columns named like its fields; records to the column arrays a
batch write unnests; one value of a guild's row set; a row inserted unless its key exists; one record found
by a condition."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
R = TypeVar("R")


def record_of(cls: type[T], row: Any, **computed: Any) -> T:
    """`cls` with each field read from the row's column of the same name, but those given in `computed`."""
    return cls(**{f.name: row[f.name] for f in fields(cls) if f.name not in computed}, **computed)


def arrays_of(items: Sequence[Any], names: str) -> list[list[Any]]:
    """For each attribute in `names` (space-separated, as namedtuple takes them), a list of it for every
    item in order: the arrays `unnest($1::type[], $2::type[], ...)` turns back into rows, so a batch is
    written in one statement."""
    return [[getattr(item, name) for item in items] for name in names.split()]


async def set_guild_value(
    conn: Any, table: str, column: str, guild_id: int, value: Any, now: datetime
) -> None:
    """Sets `column` of the guild's row of `table` (a table keyed by guild_id with an updated_at), creating
    the row when it has none. `table` and `column` are constants of the calling module, never input."""
    await conn.execute(
        f"""
        INSERT INTO {table} (guild_id, {column}, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (guild_id) DO UPDATE SET {column} = EXCLUDED.{column}, updated_at = EXCLUDED.updated_at
        """,  # noqa: S608 - constant identifiers; the values are parameters
        guild_id,
        value,
        now,
    )


async def insert_new(conn: Any, table: str, key: str, row: dict[str, Any], returning: str = "true") -> Any:
    """Inserts `row` (its values by column) into `table` unless a row with the same `key` (the columns of a
    unique constraint) exists: the new row's `returning` (an expression of its columns), None when nothing
    was written. `table`, `key`, `returning` and the columns are constants of the calling module, never
    input."""
    params = ", ".join(f"${n}" for n in range(1, len(row) + 1))
    return await conn.fetchval(
        f"""
        INSERT INTO {table} ({", ".join(row)}) VALUES ({params})
        ON CONFLICT ({key}) DO NOTHING
        RETURNING {returning}
        """,  # noqa: S608 - constant identifiers; the values are parameters
        *row.values(),
    )


async def record_where(
    conn: Any, of_row: Callable[[Any], R], source: str, where: str, *args: Any
) -> R | None:
    """The record `of_row` makes of the row that `source` (a SELECT ... FROM of the calling module) finds
    under `where` (a constant condition, and a lock if any); None when it finds none."""
    row = await conn.fetchrow(f"{source} WHERE {where}", *args)
    return of_row(row) if row else None
