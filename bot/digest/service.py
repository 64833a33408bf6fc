"""What users ask of digests: set one (`/config digest`), stop it, show it, and preview it (`/digest now`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from bot.budget import Budget
from bot.clock import Clock
from bot.digest.build import Digest, gather
from bot.digest.periods import DigestTimes, Period, check_every, format_at, parse_at
from bot.errors import InvalidInput
from bot.timezones import zone_of
from db import digests as db_digests
from db import timezones as db_timezones
from db.digests import DigestSetting

PREVIEW_WITHOUT_DIGEST = timedelta(days=1)  # /digest now in a server with no digest: the last 24 hours


@dataclass(frozen=True, slots=True)
class DigestView:
    """A guild's digest as /config show and /config digest tell it."""

    channel_id: int
    every: str
    at: str  # "09:00"
    zone: str
    next_at: datetime


def times_of(setting: DigestSetting) -> DigestTimes:
    return DigestTimes(check_every(setting.every), setting.at_minute, zone_of(setting.zone))


class DigestService:
    """Reads and changes a guild's digest, and builds a preview. Bad input changes nothing."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, budget: Budget | None = None) -> None:
        self.pool = pool
        self.clock = clock
        self.budget = budget

    async def set(self, guild_id: int, *, channel_id: int, every: str, at: str) -> DigestView:
        """The guild's digest goes to `channel_id` every day or week at `at` (HH:MM, its local time); the
        first one at the next such instant (InvalidInput on a bad `every` or `at`, storing nothing)."""
        checked, minute = check_every(every), parse_at(at)
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            zone = zone_of(await db_timezones.get_zone(conn, guild_id))
            times = DigestTimes(checked, minute, zone)
            # The period that ended last is marked done: the first digest covers a whole period to come.
            done = times.period_ending(times.latest(now)).start
            await db_digests.set_setting(
                conn,
                guild_id,
                channel_id=channel_id,
                every=checked,
                at_minute=minute,
                last_period_start=done,
                now=now,
            )
        return DigestView(channel_id, checked, format_at(minute), zone.key, times.after(now))

    async def off(self, guild_id: int) -> bool:
        """Stops the guild's digest; False when it had none."""
        async with self.pool.acquire() as conn:
            return await db_digests.delete_setting(conn, guild_id)

    async def view(self, guild_id: int) -> DigestView | None:
        async with self.pool.acquire() as conn:
            setting = await db_digests.get_setting(conn, guild_id)
        if setting is None:
            return None
        times = times_of(setting)
        return DigestView(
            setting.channel_id,
            setting.every,
            format_at(setting.at_minute),
            times.zone.key,
            times.next_due(self.clock.now(), setting.last_period_start),
        )

    async def configure(
        self, guild_id: int, *, channel_id: int | None, every: str | None, at: str | None, off: bool
    ) -> DigestView | bool:
        """/config digest: `off` stops it (True/False: whether there was one), else all three options set
        it (the view of it)."""
        if off:
            if channel_id is not None or every is not None or at is not None:
                raise InvalidInput("off:True stops the digest: give it alone, without channel, every or at.")
            return await self.off(guild_id)
        if channel_id is None or every is None or at is None:
            raise InvalidInput(
                "A digest needs channel, every and at, e.g. channel:#team every:daily at:09:00 (or off:True)."
            )
        return await self.set(guild_id, channel_id=channel_id, every=every, at=at)

    async def preview(self, guild_id: int) -> Digest:
        """The digest so far: from the last digest instant to now (no digest set: the last 24 hours, in
        the guild's zone, as a daily one). Enqueues nothing."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            setting = await db_digests.get_setting(conn, guild_id)
            if setting is not None:
                times = times_of(setting)
                start = times.latest(now)
            else:
                times = DigestTimes("daily", 0, zone_of(await db_timezones.get_zone(conn, guild_id)))
                start = now - PREVIEW_WITHOUT_DIGEST
            return await self.build(conn, guild_id, Period(start, now), times, preview=True)

    async def build(
        self,
        conn: asyncpg.Connection,
        guild_id: int,
        period: Period,
        times: DigestTimes,
        *,
        preview: bool = False,
    ) -> Digest:
        monthly = self.budget.monthly if self.budget is not None else None
        return await gather(
            conn,
            guild_id,
            period,
            every=times.every,
            zone=times.zone,
            monthly_budget=monthly,
            preview=preview,
        )
