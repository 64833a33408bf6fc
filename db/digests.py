"""SQL about digests: each guild's digest setting, the period last enqueued, and what a period holds (the top
posts' views, what the guild was told, actions and API calls; the top posts themselves are /top's, db/top.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from db.rows import record_of, record_where


@dataclass(frozen=True, slots=True)
class DigestSetting:
    guild_id: int
    channel_id: int
    every: str  # "daily" | "weekly"
    at_minute: int  # minutes after local midnight
    last_period_start: datetime | None
    zone: str | None  # the guild's time zone (guild_timezones); None: UTC


@dataclass(frozen=True, slots=True)
class ViewPoint:
    post_id: int
    captured_at: datetime
    views: int


@dataclass(frozen=True, slots=True)
class Told:
    """An outbox row of the guild in the period: its kind and payload."""

    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ActionCount:
    action_type: str
    actions: int
    daily_limit: int | None


# A guild's digest setting with its time zone (see db.rows.record_where).
_SETTING = """
    SELECT d.guild_id, d.channel_id, d.every, d.at_minute, d.last_period_start, z.zone
      FROM digest_settings d LEFT JOIN guild_timezones z ON z.guild_id = d.guild_id
"""


async def get_setting(conn: Any, guild_id: int) -> DigestSetting | None:
    return await record_where(conn, partial(record_of, DigestSetting), _SETTING, "d.guild_id = $1", guild_id)


async def all_settings(conn: Any) -> list[DigestSetting]:
    return [record_of(DigestSetting, r) for r in await conn.fetch(_SETTING + " ORDER BY d.guild_id")]


async def set_setting(
    conn: Any,
    guild_id: int,
    *,
    channel_id: int,
    every: str,
    at_minute: int,
    last_period_start: datetime,
    now: datetime,
) -> None:
    """Sets the guild's digest; `last_period_start` marks the period that just ended as done, so a digest
    set after today's time starts at the next one."""
    await conn.execute(
        """
        INSERT INTO digest_settings (guild_id, channel_id, every, at_minute, last_period_start,
                                     created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6)
        ON CONFLICT (guild_id) DO UPDATE
           SET channel_id = EXCLUDED.channel_id, every = EXCLUDED.every, at_minute = EXCLUDED.at_minute,
               last_period_start = EXCLUDED.last_period_start, updated_at = EXCLUDED.updated_at
        """,
        guild_id,
        channel_id,
        every,
        at_minute,
        last_period_start,
        now,
    )


async def delete_setting(conn: Any, guild_id: int) -> bool:
    status = await conn.execute("DELETE FROM digest_settings WHERE guild_id = $1", guild_id)
    return bool(int(status.split()[-1]))


async def claim_period(conn: Any, guild_id: int, period_start: datetime, channel_id: int) -> bool:
    """Records that the period starting at `period_start` is enqueued; False when it (or a later one) was
    already, or the digest was turned off or moved to another channel meanwhile. Call in the transaction
    that writes the outbox row: the row's lock serialises two workers, and the loser writes nothing."""
    row = await conn.fetchrow(
        """
        UPDATE digest_settings SET last_period_start = $2
         WHERE guild_id = $1 AND channel_id = $3
           AND (last_period_start IS NULL OR last_period_start < $2)
        RETURNING guild_id
        """,
        guild_id,
        period_start,
        channel_id,
    )
    return row is not None


async def views_over(conn: Any, post_ids: Sequence[int], start: datetime, end: datetime) -> list[ViewPoint]:
    """The posts' views in [start, end), each post's series begun with its last snapshot before `start`."""
    rows = await conn.fetch(
        """
        SELECT post_id, captured_at, views_count AS views FROM (
            SELECT post_id, captured_at, views_count,
                   row_number() OVER (PARTITION BY post_id, captured_at < $2
                                      ORDER BY captured_at DESC) AS back
              FROM social_media_post_analytics
             WHERE post_id = ANY($1::integer[]) AND captured_at < $3
        ) s
         WHERE captured_at >= $2 OR back = 1
         ORDER BY post_id, captured_at
        """,
        list(post_ids),
        start,
        end,
    )
    return [record_of(ViewPoint, r) for r in rows]


async def told(
    conn: Any, guild_id: int, kinds: Sequence[str], start: datetime, end: datetime, limit: int
) -> list[Told]:
    """The guild's outbox rows of `kinds` written in [start, end), oldest first; check-backs only when they
    were a post's last (payload final)."""
    rows = await conn.fetch(
        """
        SELECT kind, payload FROM notification_outbox
         WHERE guild_id = $1 AND created_at >= $2 AND created_at < $3 AND kind = ANY($4::text[])
           AND (kind <> 'checkback' OR payload->>'final' = 'true')
         ORDER BY created_at, id
         LIMIT $5
        """,
        guild_id,
        start,
        end,
        list(kinds),
        limit,
    )
    return [Told(r["kind"], dict(r["payload"] or {})) for r in rows]


async def caps_reached(conn: Any, start: datetime, end: datetime) -> dict[str, int]:
    """How many times an account's day of each action type reached its cap in [start, end) (the cap
    alerts at 100% that try_record_action wrote)."""
    rows = await conn.fetch(
        """
        SELECT payload->>'action_type' AS action_type, count(*)::integer AS n FROM notification_outbox
         WHERE kind = 'cap_alert' AND created_at >= $1 AND created_at < $2 AND payload->>'level' = '100'
         GROUP BY 1
        """,
        start,
        end,
    )
    return {r["action_type"]: r["n"] for r in rows}


async def actions_by_type(conn: Any, start: datetime, end: datetime) -> list[ActionCount]:
    """Automation actions recorded in [start, end) (by their UTC day and hour) per action type, with the
    default daily cap of each type."""
    rows = await conn.fetch(
        """
        WITH done AS (
            SELECT action_type, count(*)::integer AS actions FROM automation_actions
             WHERE action_date BETWEEN ($1 AT TIME ZONE 'UTC')::date AND ($2 AT TIME ZONE 'UTC')::date
               AND (action_date + make_interval(hours => coalesce(action_hour, 0))) AT TIME ZONE 'UTC'
                   >= date_trunc('hour', $1::timestamptz, 'UTC')
               AND (action_date + make_interval(hours => coalesce(action_hour, 0))) AT TIME ZONE 'UTC' < $2
             GROUP BY action_type
        )
        SELECT d.action_type, d.actions, c.daily_limit
          FROM done d LEFT JOIN action_caps c ON c.action_type = d.action_type AND c.account_id IS NULL
         ORDER BY d.actions DESC, d.action_type
        """,
        start,
        end,
    )
    return [record_of(ActionCount, r) for r in rows]


async def calls_between(conn: Any, start: datetime, end: datetime, provider: str | None = None) -> int:
    """Metrics API calls made in [start, end), of `provider` alone when given."""
    value = await conn.fetchval(
        """
        SELECT COALESCE(SUM(COALESCE(request_count, 1)), 0) FROM api_usage_tracking
         WHERE requested_at >= $1 AND requested_at < $2 AND ($3::text IS NULL OR provider_name = $3)
        """,
        start,
        end,
        provider,
    )
    return int(value)
