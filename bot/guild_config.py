"""Per-guild configuration: notification channel, check-back offsets, admin role, time zone."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.clock import Clock
from bot.errors import InvalidOffsets
from bot.schedule import DEFAULT_OFFSETS, format_offsets, offsets_from_setting, parse_offsets
from bot.timezones import parse_zone, zone_of
from db import guilds as db_guilds
from db import settings as db_settings
from db import timezones as db_timezones
from db.guilds import GuildSettings

log = logging.getLogger(__name__)


async def default_offsets(conn: Any, fallback: tuple[int, ...] = DEFAULT_OFFSETS) -> tuple[int, ...]:
    """The schedule of a guild that chose none (and of the CLI): system_settings.checkback_schedule_default,
    the original's setting, which operators may edit; `fallback` when it is missing or unusable."""
    value = await db_settings.get_setting(conn, db_settings.DEFAULT_SCHEDULE_KEY)
    if value is None:
        return fallback
    try:
        return tuple(offsets_from_setting(value))
    except InvalidOffsets as exc:
        log.warning("ignoring system_settings.%s (%s)", db_settings.DEFAULT_SCHEDULE_KEY, exc)
        return fallback


@dataclass(frozen=True)
class GuildConfigView:
    """A guild's settings as `/config show` tells them, defaults filled in."""

    guild_id: int
    notify_channel_id: int | None
    default_channel_id: int | None
    offsets: str
    offsets_are_default: bool
    admin_role_id: int | None
    channel_broken_reason: str | None
    timezone: str = "UTC"


class GuildConfigService:
    """Reads and changes one guild's settings. Validation errors change nothing."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, default_channel_id: int | None = None) -> None:
        self.pool = pool
        self.clock = clock
        self.default_channel_id = default_channel_id

    async def get(self, guild_id: int) -> GuildSettings:
        async with self.pool.acquire() as conn:
            return await db_guilds.get_settings(conn, guild_id)

    async def show(self, guild_id: int) -> GuildConfigView:
        async with self.pool.acquire() as conn:
            s = await db_guilds.get_settings(conn, guild_id)
            offsets = s.checkback_offsets_seconds or await default_offsets(conn)
            zone = zone_of(await db_timezones.get_zone(conn, guild_id))
        return GuildConfigView(
            guild_id=guild_id,
            notify_channel_id=s.notify_channel_id,
            default_channel_id=self.default_channel_id,
            offsets=format_offsets(offsets),
            offsets_are_default=not s.checkback_offsets_seconds,
            admin_role_id=s.admin_role_id,
            channel_broken_reason=s.channel_broken_reason,
            timezone=zone.key,
        )

    async def set_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Also clears a 'channel broken' mark: the admin chose a channel that works."""
        async with self.pool.acquire() as conn:
            await db_guilds.set_notify_channel(conn, guild_id, channel_id, self.clock.now())

    async def set_schedule(self, guild_id: int, text: str) -> list[int]:
        """Parse and validate "1h,6h,1d,..." (InvalidOffsets on a bad list); applies to posts tracked next."""
        offsets = parse_offsets(text)
        async with self.pool.acquire() as conn:
            await db_guilds.set_checkback_offsets(conn, guild_id, offsets, self.clock.now())
        return offsets

    async def set_admin_role(self, guild_id: int, role_id: int | None) -> None:
        async with self.pool.acquire() as conn:
            await db_guilds.set_admin_role(conn, guild_id, role_id, self.clock.now())

    async def admin_role(self, guild_id: int) -> int | None:
        return (await self.get(guild_id)).admin_role_id

    async def set_timezone(self, guild_id: int, name: str) -> ZoneInfo:
        """Stores the guild's zone (an IANA name, any case); InvalidInput on an unknown one, storing nothing."""
        zone = parse_zone(name)
        async with self.pool.acquire() as conn:
            await db_timezones.set_zone(conn, guild_id, zone.key, self.clock.now())
        return zone

    async def zone(self, guild_id: int) -> ZoneInfo:
        """The guild's time zone, for whatever speaks its local time (digests, best times); UTC by default."""
        async with self.pool.acquire() as conn:
            return zone_of(await db_timezones.get_zone(conn, guild_id))
