"""SQL about message templates: create (name unique per account, or among global ones), list, remove, use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

import asyncpg

from db.rows import record_of, record_where

_COLUMNS = """
    t.id, t.account_id, a.username AS account_username, t.name, t.category, t.template_text,
    coalesce(t.variables, '[]'::jsonb) AS variables, coalesce(t.times_used, 0) AS times_used,
    t.last_used_at, coalesce(t.is_active, true) AS is_active, t.created_at
"""


@dataclass(frozen=True, slots=True)
class Template:
    id: int
    account_id: int | None  # None: a global template, usable by every account
    account_username: str | None
    name: str
    category: str | None
    template_text: str
    variables: list[str]
    times_used: int
    last_used_at: datetime | None
    is_active: bool
    created_at: datetime | None


# Templates with their account, if any (see db.rows.record_where).
_TEMPLATE_SOURCE = f"""
    SELECT {_COLUMNS}
      FROM message_templates t LEFT JOIN social_media_accounts a ON a.id = t.account_id
"""  # noqa: S608 - a constant column list
_template = partial(record_of, Template)


async def create_template(
    conn: asyncpg.Connection,
    *,
    account_id: int | None,
    name: str,
    category: str,
    template_text: str,
    variables: list[str],
) -> Template | None:
    """The new template, or None when its scope (the account, or global) already has that name.

    The table has no unique key on names (the original schema never had one, and adding it could fail
    on old data), so a transaction-level advisory lock per scope makes check-then-insert safe.
    """
    async with conn.transaction():
        if await _lock_scope_and_find_name(conn, account_id, name):
            return None
        new_id = await conn.fetchval(
            """
            INSERT INTO message_templates (account_id, name, category, template_text, variables)
            VALUES ($1, $2, $3, $4, $5)
            RETURNING id
            """,
            account_id,
            name,
            category,
            template_text,
            variables,
        )
        return await get_template_by_id(conn, new_id)


async def update_template(
    conn: asyncpg.Connection,
    template_id: int,
    *,
    name: str,
    template_text: str,
    variables: list[str],
) -> Template | Literal["missing", "taken"]:
    """The template with its new name and text; "missing" when it is gone, "taken" when another template
    of its scope has that name. Locked per scope as create_template is, so a rename cannot race a create."""
    async with conn.transaction():
        row = await conn.fetchrow("SELECT account_id FROM message_templates WHERE id = $1", template_id)
        if row is None:
            return "missing"
        if await _lock_scope_and_find_name(conn, row["account_id"], name, other_than=template_id):
            return "taken"
        await conn.execute(
            """
            UPDATE message_templates
               SET name = $2, template_text = $3, variables = $4, updated_at = now()
             WHERE id = $1
            """,
            template_id,
            name,
            template_text,
            variables,
        )
        updated = await get_template_by_id(conn, template_id)
        return "missing" if updated is None else updated


async def _lock_scope_and_find_name(
    conn: asyncpg.Connection, account_id: int | None, name: str, *, other_than: int | None = None
) -> bool:
    """Within the caller's transaction: takes the scope's advisory lock (the account, or global), then
    whether a template of that scope other than `other_than` has `name` (case-insensitively)."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('checkback.template'), coalesce($1::integer, 0))",
        account_id,
    )
    taken = await conn.fetchval(
        """
        SELECT 1 FROM message_templates
        WHERE account_id IS NOT DISTINCT FROM $1 AND lower(name) = lower($2) AND id IS DISTINCT FROM $3
        """,
        account_id,
        name,
        other_than,
    )
    return bool(taken)


async def get_template_by_id(conn: asyncpg.Connection, template_id: int) -> Template | None:
    return await record_where(conn, _template, _TEMPLATE_SOURCE, "t.id = $1", template_id)


async def find_template(conn: asyncpg.Connection, account_id: int | None, name: str) -> Template | None:
    """The account's own template of that name, else the global one (names compare case-insensitively)."""
    row = await conn.fetchrow(
        f"""
        {_TEMPLATE_SOURCE}
        WHERE (t.account_id = $1 OR t.account_id IS NULL) AND lower(t.name) = lower($2)
        ORDER BY t.account_id NULLS LAST, t.id
        LIMIT 1
        """,  # noqa: S608
        account_id,
        name,
    )
    return _template(row) if row else None


async def list_templates(
    conn: asyncpg.Connection, *, account_id: int | None, category: str | None = None
) -> list[Template]:
    """account_id given: its templates and the global ones; None: every template. By name."""
    rows = await conn.fetch(
        f"""
        {_TEMPLATE_SOURCE}
        WHERE ($1::integer IS NULL OR t.account_id = $1 OR t.account_id IS NULL)
          AND ($2::text IS NULL OR t.category = $2)
        ORDER BY lower(t.name), t.account_id NULLS LAST, t.id
        """,  # noqa: S608
        account_id,
        category,
    )
    return [_template(r) for r in rows]


async def delete_template(conn: asyncpg.Connection, account_id: int | None, name: str) -> bool:
    """Removes the template of that name in exactly that scope (an account's, or the global one)."""
    status = await conn.execute(
        "DELETE FROM message_templates WHERE account_id IS NOT DISTINCT FROM $1 AND lower(name) = lower($2)",
        account_id,
        name,
    )
    return status != "DELETE 0"


async def mark_used(conn: asyncpg.Connection, template_id: int, used_at: datetime) -> None:
    await conn.execute(
        """
        UPDATE message_templates
           SET times_used = coalesce(times_used, 0) + 1, last_used_at = $2, updated_at = now()
         WHERE id = $1
        """,
        template_id,
        used_at,
    )
