"""SQL about each guild's time zone (/config timezone): an IANA name, or no row for UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.rows import set_guild_value


async def get_zone(conn: Any, guild_id: int) -> str | None:
    """The guild's zone name; None when it never set one (UTC)."""
    value = await conn.fetchval("SELECT zone FROM guild_timezones WHERE guild_id = $1", guild_id)
    return str(value) if value is not None else None


async def set_zone(conn: Any, guild_id: int, zone: str, now: datetime) -> None:
    await set_guild_value(conn, "guild_timezones", "zone", guild_id, zone, now)
