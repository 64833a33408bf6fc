"""SQL about automation actions and their caps: the atomic slot, outcomes, caps and usage per UTC day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict, Unpack

import asyncpg

from db.rows import record_of

# The action types automation_actions accepts (its CHECK constraint).
ACTION_TYPES = ("like", "comment", "follow", "unfollow", "message", "search", "view")
TARGET_TYPES = ("video", "user", "hashtag", "sound", "conversation")
TRIGGERS = ("manual", "scheduled", "auto_reply", "workflow")


class ActionDetails(TypedDict, total=False):
    """What an action slot takes beside the account and the action type, each optional: what the action is
    on, its text, what triggered it (default "workflow") and the moment it counts at (default: now)."""

    target_type: str | None
    target_id: str | None
    content_text: str | None
    triggered_by: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Cap:
    """The cap in force for one action type: the account's own row, else the default (account_id None)."""

    action_type: str
    daily_limit: int
    hourly_limit: int | None
    account_id: int | None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def is_default(self) -> bool:
        return self.account_id is None


@dataclass(frozen=True, slots=True)
class Usage:
    """One account's actions of one type in the current UTC day and hour."""

    action_type: str
    today: int
    this_hour: int


@dataclass(frozen=True, slots=True)
class ActionRecord:
    id: int
    account_id: int | None
    account_username: str | None
    action_type: str
    target_type: str | None
    target_id: str | None
    content_text: str | None
    success: bool | None
    error_message: str | None
    error_code: str | None
    triggered_by: str | None
    action_date: date | None
    action_hour: int | None
    created_at: datetime | None


async def utc_day_and_hour(conn: asyncpg.Connection, at: datetime | None = None) -> tuple[date, int]:
    """The UTC date and hour of `at` (the caller's clock; None: the database's now()), as
    try_record_action counts them (its p_at)."""
    row = await conn.fetchrow(
        """
        WITH t AS (SELECT coalesce($1::timestamptz, now()) AT TIME ZONE 'UTC' AS utc)
        SELECT utc::date AS day, EXTRACT(HOUR FROM utc)::integer AS hour FROM t
        """,
        at,
    )
    return row["day"], row["hour"]


async def caps_in_force(conn: asyncpg.Connection, account_id: int | None) -> list[Cap]:
    """Per action type, the account's own cap where it has one, else the default; None: defaults only."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (action_type)
               action_type, daily_limit, hourly_limit, account_id, updated_at, updated_by
        FROM action_caps
        WHERE account_id = $1 OR account_id IS NULL
        ORDER BY action_type, account_id NULLS LAST
        """,
        account_id,
    )
    return [record_of(Cap, r) for r in rows]


async def cap_in_force(conn: asyncpg.Connection, account_id: int | None, action_type: str) -> Cap | None:
    row = await conn.fetchrow(
        """
        SELECT action_type, daily_limit, hourly_limit, account_id, updated_at, updated_by
        FROM action_caps
        WHERE action_type = $2 AND (account_id = $1 OR account_id IS NULL)
        ORDER BY account_id NULLS LAST
        LIMIT 1
        """,
        account_id,
        action_type,
    )
    return record_of(Cap, row) if row else None


async def usage(conn: asyncpg.Connection, account_id: int, at: datetime | None = None) -> dict[str, Usage]:
    """Counts per action type for the UTC day and hour of `at` (the caller's clock; None: the database's
    now()), never the session's time zone."""
    rows = await conn.fetch(
        """
        WITH t AS (SELECT coalesce($2::timestamptz, now()) AT TIME ZONE 'UTC' AS utc),
        utc AS (SELECT utc::date AS day, EXTRACT(HOUR FROM utc)::integer AS hour FROM t)
        SELECT a.action_type,
               count(*)::integer                                     AS today,
               (count(*) FILTER (WHERE a.action_hour = utc.hour))::integer AS this_hour
        FROM automation_actions a, utc
        WHERE a.account_id = $1 AND a.action_date = utc.day
        GROUP BY a.action_type
        """,
        account_id,
        at,
    )
    return {r["action_type"]: record_of(Usage, r) for r in rows}


async def set_cap(
    conn: asyncpg.Connection,
    *,
    account_id: int | None,
    action_type: str,
    daily_limit: int,
    hourly_limit: int | None,
    updated_by: str | None,
) -> Cap:
    row = await conn.fetchrow(
        """
        INSERT INTO action_caps (account_id, action_type, daily_limit, hourly_limit, updated_by)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (account_id, action_type) DO UPDATE SET
            daily_limit  = EXCLUDED.daily_limit,
            hourly_limit = EXCLUDED.hourly_limit,
            updated_by   = EXCLUDED.updated_by,
            updated_at   = now()
        RETURNING action_type, daily_limit, hourly_limit, account_id, updated_at, updated_by
        """,
        account_id,
        action_type,
        daily_limit,
        hourly_limit,
        updated_by,
    )
    return record_of(Cap, row)


async def try_record_action(
    conn: asyncpg.Connection, account_id: int, action_type: str, **details: Unpack[ActionDetails]
) -> int | None:
    """The atomic slot (DESIGN.md §4): the new action's id, or None when a cap is reached.

    `at` (default: the database's now()) is the moment whose UTC day and hour the slot counts in. A None
    or unknown account or action type raises (asyncpg's NullValueNotAllowedError,
    ForeignKeyViolationError, InvalidParameterValueError). Under REPEATABLE READ or SERIALIZABLE, a
    caller whose snapshot predates another caller's grant gets asyncpg.SerializationError (retry the
    transaction); it is never granted a slot over the cap.
    """
    return await conn.fetchval(
        "SELECT try_record_action($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()))",
        account_id,
        action_type,
        details.get("target_type"),
        details.get("target_id"),
        details.get("content_text"),
        details.get("triggered_by", "workflow"),
        details.get("at"),
    )


async def record_outcome(
    conn: asyncpg.Connection,
    action_id: int,
    *,
    success: bool,
    error_message: str | None = None,
    error_code: str | None = None,
    execution_time_ms: int | None = None,
) -> bool:
    """Stores how a recorded action went; False when no action has that id."""
    status = await conn.execute(
        """
        UPDATE automation_actions
           SET success = $2, error_message = $3, error_code = $4,
               execution_time_ms = coalesce($5, execution_time_ms)
         WHERE id = $1
        """,
        action_id,
        success,
        error_message,
        error_code,
        execution_time_ms,
    )
    return status.endswith(" 1")


async def recent_actions(
    conn: asyncpg.Connection,
    *,
    account_id: int | None = None,
    action_type: str | None = None,
    limit: int = 20,
) -> list[ActionRecord]:
    """Newest first; each filter applies only when given."""
    rows = await conn.fetch(
        """
        SELECT a.id, a.account_id, acc.username AS account_username, a.action_type, a.target_type,
               a.target_id, a.content_text, a.success, a.error_message, a.error_code, a.triggered_by,
               a.action_date, a.action_hour, a.created_at
        FROM automation_actions a
        LEFT JOIN social_media_accounts acc ON acc.id = a.account_id
        WHERE ($1::integer IS NULL OR a.account_id = $1)
          AND ($2::text IS NULL OR a.action_type = $2)
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT $3
        """,
        account_id,
        action_type,
        limit,
    )
    return [record_of(ActionRecord, r) for r in rows]
