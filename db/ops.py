"""SQL an operator's readings need: the due-check backlog, the server's version, a ping."""

from __future__ import annotations

from datetime import datetime
from typing import Any


async def due_checks(conn: Any, now: datetime) -> tuple[int, datetime | None]:
    """How many check-backs are due at `now`, and the oldest one's due time (None: nothing due).

    Both walk the partial index idx_posts_next_check, so a scrape stays cheap at any table size."""
    row = await conn.fetchrow(
        """
        SELECT count(*) AS due, min(next_check_at) AS oldest
          FROM social_media_posts
         WHERE tracking_complete = false AND next_check_at IS NOT NULL AND next_check_at <= $1
        """,
        now,
    )
    return int(row["due"]), row["oldest"]


async def server_version(conn: Any) -> str:
    """The Postgres server's version, e.g. '16.2'."""
    return str(await conn.fetchval("SHOW server_version"))


async def ping(conn: Any) -> None:
    """One round trip to the server (the caller bounds its time)."""
    await conn.fetchval("SELECT 1")


async def notify_channels(conn: Any, limit: int = 25) -> list[int]:
    """The notification channels guilds chose with /config channel (at most `limit`)."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT notify_channel_id FROM guild_settings
         WHERE notify_channel_id IS NOT NULL ORDER BY notify_channel_id LIMIT $1
        """,
        limit,
    )
    return [int(r["notify_channel_id"]) for r in rows]
