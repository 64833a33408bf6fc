"""SQL about alert routes: each guild's channel and ping role per kind of alert, and the role a guild pings
with a watched account's new posts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.rows import record_of

_COLUMNS = "guild_id, alert_kind, channel_id, ping_role_id, broken_at, broken_reason"


@dataclass(frozen=True, slots=True)
class AlertRoute:
    guild_id: int
    alert_kind: str
    channel_id: int | None  # None: the guild's notification channel
    ping_role_id: int | None
    broken_at: datetime | None = None
    broken_reason: str | None = None


async def set_route(
    conn: Any, guild_id: int, kind: str, channel_id: int | None, role_id: int | None, now: datetime
) -> AlertRoute:
    """Sets the guild's route for `kind` (replacing channel and role); a new route is presumed to work, so
    a broken mark is cleared."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO alert_routes (guild_id, alert_kind, channel_id, ping_role_id, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $5)
        ON CONFLICT (guild_id, alert_kind) DO UPDATE
           SET channel_id = EXCLUDED.channel_id, ping_role_id = EXCLUDED.ping_role_id,
               broken_at = NULL, broken_reason = NULL, updated_at = EXCLUDED.updated_at
        RETURNING {_COLUMNS}
        """,  # noqa: S608
        guild_id,
        kind,
        channel_id,
        role_id,
        now,
    )
    return record_of(AlertRoute, row)


async def delete_route(conn: Any, guild_id: int, kind: str) -> bool:
    status = await conn.execute(
        "DELETE FROM alert_routes WHERE guild_id = $1 AND alert_kind = $2", guild_id, kind
    )
    return status != "DELETE 0"


async def routes_of(conn: Any, guild_ids: Collection[int]) -> list[AlertRoute]:
    """The routes of these guilds, by guild and kind."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM alert_routes WHERE guild_id = ANY($1::bigint[]) ORDER BY guild_id, alert_kind",  # noqa: S608
        list(guild_ids),
    )
    return [record_of(AlertRoute, r) for r in rows]


async def routes_of_kinds(conn: Any, kinds: Collection[str]) -> list[AlertRoute]:
    """Every guild's routes of these kinds, oldest first (for alerts that belong to no guild)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM alert_routes WHERE alert_kind = ANY($1::text[]) ORDER BY created_at, guild_id",  # noqa: S608
        list(kinds),
    )
    return [record_of(AlertRoute, r) for r in rows]


async def mark_broken(conn: Any, guild_id: int, kind: str, reason: str, now: datetime) -> bool:
    """Marks the route's channel broken; True only for the call that marked it (the guild is told once)."""
    row = await conn.fetchrow(
        """
        UPDATE alert_routes SET broken_at = $3, broken_reason = $4, updated_at = $3
         WHERE guild_id = $1 AND alert_kind = $2 AND broken_at IS NULL
        RETURNING guild_id
        """,
        guild_id,
        kind,
        now,
        reason[:500],
    )
    return row is not None


async def set_watch_ping(conn: Any, watch_id: int, guild_id: int, role_id: int | None, now: datetime) -> None:
    """The role the guild pings with the watched account's new posts (None: no ping)."""
    if role_id is None:
        await conn.execute(
            "DELETE FROM alert_watch_pings WHERE watch_id = $1 AND guild_id = $2", watch_id, guild_id
        )
        return
    await conn.execute(
        """
        INSERT INTO alert_watch_pings (watch_id, guild_id, ping_role_id, updated_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (watch_id, guild_id) DO UPDATE
           SET ping_role_id = EXCLUDED.ping_role_id, updated_at = EXCLUDED.updated_at
        """,
        watch_id,
        guild_id,
        role_id,
        now,
    )


async def watch_pings(
    conn: Any, guild_ids: Sequence[int], usernames: Sequence[str]
) -> dict[tuple[int, str], int]:
    """(guild, username) → the role that guild pings with the account's new posts, for guilds that still
    watch it."""
    rows = await conn.fetch(
        """
        SELECT p.guild_id, a.username, p.ping_role_id
          FROM alert_watch_pings p
          JOIN account_watch_guilds g ON g.watch_id = p.watch_id AND g.guild_id = p.guild_id
          JOIN account_watches w ON w.id = p.watch_id
          JOIN social_media_accounts a ON a.id = w.account_id
         WHERE p.guild_id = ANY($1::bigint[]) AND a.username = ANY($2::text[])
        """,
        list(guild_ids),
        list(usernames),
    )
    return {(r["guild_id"], r["username"]): r["ping_role_id"] for r in rows}
