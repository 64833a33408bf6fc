"""Analytics beyond one post's history: the guild's fastest growers (/top), CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import asyncpg

from bot.clock import Clock
from bot.errors import InvalidInput
from bot.tracking import TrackingService
from db import top as db_top
from db.top import TopRow

Period = Literal["24h", "7d", "30d"]
PERIODS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
METRICS: tuple[str, ...] = ("views", "likes", "comments", "shares")
MAX_TOP = 25

CSV_COLUMNS = (
    "check_index",
    "check",
    "scheduled_for",
    "captured_at",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "views_growth",
    "views_per_hour",
    "engagement_rate",
)


@dataclass(frozen=True, slots=True)
class TopPosts:
    metric: str
    period: str
    since: datetime
    rows: list[TopRow]


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    data: bytes
    rows: int


class AnalyticsService:
    """Reads across a guild's posts. Visibility (which guild tracks which post) is the tracking service's."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, tracking: TrackingService) -> None:
        self.pool = pool
        self.clock = clock
        self.tracking = tracking

    async def top(
        self, guild_id: int | None, metric: str, period: str | None = None, *, limit: int = 10
    ) -> TopPosts:
        """The guild's posts that grew most in `metric` over the last `period` (24h, 7d, 30d; None: 24h)."""
        period = period or "24h"
        if metric not in METRICS:
            raise InvalidInput(f"rank by {', '.join(METRICS)}, not {metric!r}")
        if period not in PERIODS:
            raise InvalidInput(f"the period is one of {', '.join(PERIODS)}, not {period!r}")
        if not 1 <= limit <= MAX_TOP:
            raise InvalidInput(f"show 1-{MAX_TOP} posts")
        since = self.clock.now() - PERIODS[period]
        async with self.pool.acquire() as conn:
            rows = await db_top.top_growth(
                conn,
                guild_id=guild_id,
                metric=metric,  # type: ignore[arg-type]
                since=since,
                limit=limit,
            )
        return TopPosts(metric=metric, period=period, since=since, rows=rows)

    async def export_csv(self, guild_id: int | None, post_id: int) -> ExportFile:
        """The post's snapshots as CSV (UTF-8, one row per snapshot, ISO 8601 UTC times)."""
        analytics = await self.tracking.analytics(guild_id, post_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for s in analytics.snapshots:
            m = s.metrics
            writer.writerow(
                (
                    s.check_index,
                    s.label,
                    s.scheduled_for.isoformat() if s.scheduled_for else "",
                    s.captured_at.isoformat(),
                    m.views,
                    m.likes,
                    m.comments,
                    m.shares,
                    m.saves,
                    s.growth.views if s.growth else "",
                    f"{s.views_per_hour:.2f}" if s.views_per_hour is not None else "",
                    f"{s.engagement_rate:.6f}" if s.engagement_rate is not None else "",
                )
            )
        post = analytics.post
        return ExportFile(
            filename=f"checkback-post-{post.id}-{post.video_id}.csv",
            data=out.getvalue().encode(),
            rows=len(analytics.snapshots),
        )
