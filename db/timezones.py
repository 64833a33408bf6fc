"""SQL about each guild's time zone (/config timezone): an IANA name, or no row for UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any


async def get_zone(conn: Any, guild_id: int) -> str | None:
    """The guild's zone name; None when it never set one (UTC)."""
    value = await conn.fetchval("SELECT zone FROM guild_timezones WHERE guild_id = $1", guild_id)
    return str(value) if value is not None else None


async def set_zone(conn: Any, guild_id: int, zone: str, now: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO guild_timezones (guild_id, zone, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (guild_id) DO UPDATE SET zone = EXCLUDED.zone, updated_at = EXCLUDED.updated_at
        """,
        guild_id,
        zone,
        now,
    )
