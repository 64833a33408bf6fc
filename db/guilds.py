"""SQL about guilds: their settings (channel, schedule, broken channel) and the posts each one tracks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.rows import insert_new, record_of


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One guild's settings; a guild that never configured anything gets the defaults (all None)."""

    guild_id: int
    notify_channel_id: int | None = None
    checkback_offsets_seconds: list[int] | None = None
    admin_role_id: int | None = None
    channel_broken_at: datetime | None = None
    channel_broken_reason: str | None = None


def _settings_of(row: Any) -> GuildSettings:
    offsets = row["checkback_offsets_seconds"]
    return record_of(GuildSettings, row, checkback_offsets_seconds=list(offsets) if offsets else None)


async def get_settings(conn: Any, guild_id: int) -> GuildSettings:
    row = await conn.fetchrow(
        """
        SELECT guild_id, notify_channel_id, checkback_offsets_seconds, admin_role_id,
               channel_broken_at, channel_broken_reason
        FROM guild_settings WHERE guild_id = $1
        """,
        guild_id,
    )
    if row is None:
        return GuildSettings(guild_id=guild_id)
    return _settings_of(row)


async def set_notify_channel(conn: Any, guild_id: int, channel_id: int | None, now: datetime) -> None:
    """Sets the guild's channel; a new channel is presumed to work, so the broken mark is cleared."""
    await conn.execute(
        """
        INSERT INTO guild_settings (guild_id, notify_channel_id, created_at, updated_at)
        VALUES ($1, $2, $3, $3)
        ON CONFLICT (guild_id) DO UPDATE
           SET notify_channel_id = EXCLUDED.notify_channel_id, channel_broken_at = NULL,
               channel_broken_reason = NULL, updated_at = EXCLUDED.updated_at
        """,
        guild_id,
        channel_id,
        now,
    )


async def set_checkback_offsets(
    conn: Any, guild_id: int, offsets: Sequence[int] | None, now: datetime
) -> None:
    """Sets the guild's schedule (None: back to the default); it applies to posts tracked from now on."""
    await conn.execute(
        """
        INSERT INTO guild_settings (guild_id, checkback_offsets_seconds, created_at, updated_at)
        VALUES ($1, $2, $3, $3)
        ON CONFLICT (guild_id) DO UPDATE
           SET checkback_offsets_seconds = EXCLUDED.checkback_offsets_seconds,
               updated_at = EXCLUDED.updated_at
        """,
        guild_id,
        list(offsets) if offsets is not None else None,
        now,
    )


async def set_admin_role(conn: Any, guild_id: int, role_id: int | None, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO guild_settings (guild_id, admin_role_id, created_at, updated_at)
        VALUES ($1, $2, $3, $3)
        ON CONFLICT (guild_id) DO UPDATE
           SET admin_role_id = EXCLUDED.admin_role_id, updated_at = EXCLUDED.updated_at
        """,
        guild_id,
        role_id,
        now,
    )


async def mark_channel_broken(conn: Any, guild_id: int, reason: str, now: datetime) -> bool:
    """Marks the guild's channel broken; True only for the call that marked it (so the guild is told once)."""
    row = await conn.fetchrow(
        """
        INSERT INTO guild_settings (guild_id, channel_broken_at, channel_broken_reason, created_at, updated_at)
        VALUES ($1, $2, $3, $2, $2)
        ON CONFLICT (guild_id) DO UPDATE
           SET channel_broken_at = EXCLUDED.channel_broken_at,
               channel_broken_reason = EXCLUDED.channel_broken_reason,
               updated_at = EXCLUDED.updated_at
         WHERE guild_settings.channel_broken_at IS NULL
        RETURNING guild_id
        """,
        guild_id,
        now,
        reason[:500],
    )
    return row is not None


async def link_post(
    conn: Any,
    guild_id: int | None,
    post_id: int,
    now: datetime,
    *,
    user_id: int | None = None,
    note: str | None = None,
) -> bool:
    """Links the post to the guild (None: the CLI); True when the link is new."""
    link = {
        "guild_id": guild_id,
        "post_id": post_id,
        "tracked_by_user_id": user_id,
        "note": note,
        "created_at": now,
    }
    return await insert_new(conn, "guild_posts", "guild_id, post_id", link) is not None


async def unlink_post(conn: Any, guild_id: int | None, post_id: int) -> bool:
    """Removes the guild's link to the post; True when there was one."""
    if guild_id is None:
        status = await conn.execute(
            "DELETE FROM guild_posts WHERE guild_id IS NULL AND post_id = $1", post_id
        )
    else:
        status = await conn.execute(
            "DELETE FROM guild_posts WHERE guild_id = $1 AND post_id = $2", guild_id, post_id
        )
    return status != "DELETE 0"


async def is_linked(conn: Any, guild_id: int | None, post_id: int) -> bool:
    if guild_id is None:
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM guild_posts WHERE guild_id IS NULL AND post_id = $1)",
                post_id,
            )
        )
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM guild_posts WHERE guild_id = $1 AND post_id = $2)",
            guild_id,
            post_id,
        )
    )


async def count_links(conn: Any, post_id: int) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM guild_posts WHERE post_id = $1", post_id))


async def guilds_of_post(conn: Any, post_id: int) -> list[int | None]:
    """The guilds tracking the post (None stands for the CLI), in link order."""
    rows = await conn.fetch("SELECT guild_id FROM guild_posts WHERE post_id = $1 ORDER BY id", post_id)
    return [r["guild_id"] for r in rows]


async def guilds_of_posts(conn: Any, post_ids: Sequence[int]) -> dict[int, list[int | None]]:
    rows = await conn.fetch(
        "SELECT post_id, guild_id FROM guild_posts WHERE post_id = ANY($1::int[]) ORDER BY id",
        list(post_ids),
    )
    out: dict[int, list[int | None]] = {}
    for r in rows:
        out.setdefault(r["post_id"], []).append(r["guild_id"])
    return out


async def channels_for(conn: Any, guild_ids: Sequence[int]) -> dict[int, GuildSettings]:
    """Settings of several guilds at once (the dispatcher resolves a batch's channels in one query)."""
    rows = await conn.fetch(
        """
        SELECT guild_id, notify_channel_id, checkback_offsets_seconds, admin_role_id,
               channel_broken_at, channel_broken_reason
        FROM guild_settings WHERE guild_id = ANY($1::bigint[])
        """,
        list(guild_ids),
    )
    return {r["guild_id"]: _settings_of(r) for r in rows}
