"""What works and when to post: the guild's hashtags and sounds ranked by how its posts that use them did at
24 hours (/top by:hashtags|sounds), and its posts' 24-hour views by publishing day and hour (/besttime).

A post's figure "at 24 hours" is its first snapshot taken 24 to 30 hours after it was published (the 24 h
check-back: post_day_figures, migration 0071); posts without one (tracked later than that, or whose server's
schedule has no check then) are not counted, rather than guessed. Medians, not means: one hit does not
make a hashtag. Counts go with every figure, so a small sample shows as one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from bot.analytics import METRICS, PERIODS
from bot.clock import Clock
from bot.errors import AccountNotFound, InvalidInput
from db import what_works as db_what_works
from db.what_works import SlotRow, UsedByRow

# A hashtag or sound seen on fewer posts than this is flagged as a small sample next to its median.
SMALL_SAMPLE = 3
# /besttime draws nothing below this many posts with a 24-hour figure: 168 slots need some filling before
# a "best" slot means more than one lucky post.
BESTTIME_MIN_POSTS = 10
BEST_SLOTS = 3
ZoneOf = Callable[[int], Awaitable[ZoneInfo]]  # a guild's time zone (GuildConfigService.zone)
_USERNAME = re.compile(r"^@?[A-Za-z0-9_.]{1,24}$")


@dataclass(frozen=True, slots=True)
class Ranking:
    """Hashtags or sounds ranked by the median of a 24-hour figure of the guild's posts that use them."""

    by: str  # "hashtags" or "sounds"
    metric: str
    period: str | None  # posts published within this (24h, 7d, 30d), or None: every tracked post
    rows: list[UsedByRow]
    posts_with_figures: int  # the guild's posts that have a 24-hour figure at all


@dataclass(frozen=True, slots=True)
class BestTime:
    """The guild's (or one account's) posts' median 24-hour views by publishing day and hour, in `timezone`."""

    account: str | None
    timezone: str
    posts: int  # posts with a 24-hour figure
    slots: list[SlotRow]  # the slots that have posts, Monday 00:00 first
    best: list[SlotRow]  # the best BEST_SLOTS slots, best first

    @property
    def enough(self) -> bool:
        return self.posts >= BESTTIME_MIN_POSTS


class WhatWorksService:
    """Reads across a guild's posts' figures at 24 hours. Knows nothing of Discord."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, *, zone_of: ZoneOf | None = None) -> None:
        self.pool = pool
        self.clock = clock
        # The server's configured time zone (/config timezone); without one, UTC.
        self.zone_of = zone_of

    async def ranking(
        self,
        guild_id: int | None,
        by: str,
        *,
        metric: str = "views",
        period: str | None = None,
        limit: int = 10,
    ) -> Ranking:
        """The guild's hashtags or sounds, best median `metric` at 24 hours first; `period` keeps only posts
        published within it."""
        if by not in ("hashtags", "sounds"):
            raise InvalidInput(f"rank hashtags or sounds, not {by!r}")
        if metric not in METRICS:
            raise InvalidInput(f"rank by {', '.join(METRICS)}, not {metric!r}")
        if period is not None and period not in PERIODS:
            raise InvalidInput(f"the period is one of {', '.join(PERIODS)}, not {period!r}")
        since: datetime | None = self.clock.now() - PERIODS[period] if period else None
        async with self.pool.acquire() as conn:
            rows = await db_what_works.ranked(
                conn,
                by=by,  # type: ignore[arg-type]  # checked above
                guild_id=guild_id,
                metric=metric,  # type: ignore[arg-type]  # checked above
                posted_since=since,
                limit=limit,
            )
            total = await db_what_works.posts_with_figures(conn, guild_id=guild_id)
        return Ranking(by=by, metric=metric, period=period, rows=rows, posts_with_figures=total)

    async def best_time(
        self, guild_id: int | None, account: str | None = None, *, timezone: str | None = None
    ) -> BestTime:
        """The heatmap's data: median 24-hour views by publishing day and hour in the server's time zone (or
        `timezone`), for the guild's posts or one tracked account's; the best slots, best first.
        AccountNotFound for an account the guild tracks no post of."""
        if timezone is None:
            timezone = "UTC"
            if self.zone_of is not None and guild_id is not None:
                timezone = (await self.zone_of(guild_id)).key
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(f"unknown time zone {timezone!r}") from exc
        username = None
        async with self.pool.acquire() as conn:
            account_id = None
            if account is not None:
                if not _USERNAME.fullmatch(account.strip()):
                    raise InvalidInput(f"{account!r} is not a TikTok username")
                username = account.strip().removeprefix("@")
                found = await db_what_works.tracked_account(conn, guild_id=guild_id, username=username)
                if found is None:
                    raise AccountNotFound(f"@{username} among this server's tracked posts")
                account_id, username = found
            slots = await db_what_works.slots(
                conn, guild_id=guild_id, account_id=account_id, timezone=timezone
            )
        posts = sum(s.posts for s in slots)
        best = sorted(slots, key=lambda s: (-s.median, -s.posts, s.day, s.hour))[:BEST_SLOTS]
        return BestTime(account=username, timezone=timezone, posts=posts, slots=slots, best=best)
