"""What one period's digest holds, read from Postgres: the posts that gained most views in the period
(/top's ranking, ended at the period's end; their views over it, for the chart), what the guild was told in it
(milestones, new posts of watched accounts, posts whose schedule finished), automation actions against the
caps, and API calls against the budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot import notices
from bot.charts.digest import DIGEST_CHART, ViewsSeries, digest_chart_png
from bot.digest.periods import Every, Period
from bot.notices import (
    CheckbackNotice,
    DigestCap,
    DigestMilestone,
    DigestNewPost,
    DigestNotice,
    DigestPost,
    MilestoneNotice,
    NewPostNotice,
)
from bot.timezones import zone_of
from db import api_usage as db_api_usage
from db import digests as db_digests
from db import top as db_top

MOVERS = 5  # top movers listed, and drawn on the chart
LISTED = 10  # milestones, new posts and finished posts listed; beyond that, counted in `more`
TOLD_KINDS = ("milestone", "new_post", "checkback")
TOLD_LIMIT = 500  # outbox rows read for one period: a team's busiest week fits many times over


@dataclass(frozen=True, slots=True)
class Digest:
    """A period's digest: the notice, and the series its chart draws."""

    notice: DigestNotice
    series: list[ViewsSeries]

    @property
    def chart_title(self) -> str:
        return "Views of the top posts" if self.series else "No snapshots in this period"

    async def chart_png(self) -> bytes:
        """The period's chart (drawn on the chart thread): what the outbox attaches and /digest now edits in."""
        n = self.notice
        zone = zone_of(n.zone)
        return await digest_chart_png(self.series, self.chart_title, n.period_start, n.period_end, zone)


async def month_calls_before(conn: Any, end: datetime) -> int:
    """The budget's calls in `end`'s UTC month made before `end`: the month's use as of a period's end, also
    when its digest goes out later (the calls made since belong to a later digest)."""
    first, _ = db_api_usage.month_bounds(end)
    month = datetime.combine(first, time(), UTC)
    return await db_digests.calls_between(conn, month, end, db_api_usage.PROVIDER)


async def gather(
    conn: Any,
    guild_id: int,
    period: Period,
    *,
    every: Every,
    zone: ZoneInfo,
    monthly_budget: int | None,
    preview: bool = False,
) -> Digest:
    start, end = period.start, period.end
    # /top's ranking (db/top.py, fast at millions of snapshots): growth from the period's start to each
    # post's last snapshot before its end, also when the digest goes out late (after downtime). A preview's
    # period ends now: up to each post's latest snapshot.
    movers = await db_top.top_growth(
        conn, guild_id=guild_id, metric="views", since=start, limit=MOVERS, until=None if preview else end
    )
    points = await db_digests.views_over(conn, [m.post_id for m in movers], start, end)
    milestones: list[DigestMilestone] = []
    new_posts: list[DigestNewPost] = []
    finished: list[DigestPost] = []
    for row in await db_digests.told(conn, guild_id, TOLD_KINDS, start, end, TOLD_LIMIT):
        try:
            told = notices.parse(row.kind, row.payload)
        except ValidationError:
            continue  # a row the dispatcher set aside: it was never told either
        # A digest's entry takes its fields from the notice told (by name).
        if isinstance(told, MilestoneNotice):
            milestones.append(DigestMilestone.model_validate(told, from_attributes=True))
        elif isinstance(told, NewPostNotice):
            new_posts.append(DigestNewPost.model_validate(told, from_attributes=True))
        elif isinstance(told, CheckbackNotice):
            finished.append(
                DigestPost(post_id=told.post_id, author=told.author, url=told.url, views=told.metrics.views)
            )
    reached = await db_digests.caps_reached(conn, start, end)
    caps = [
        DigestCap(
            action_type=a.action_type,
            actions=a.actions,
            daily_limit=a.daily_limit,
            reached=reached.get(a.action_type, 0),
        )
        for a in await db_digests.actions_by_type(conn, start, end)
    ]
    notice = DigestNotice(
        guild_id=guild_id,
        every=every,
        period_start=start,
        period_end=end,
        zone=zone.key,
        movers=[
            DigestPost(
                post_id=m.post_id,
                author=m.username,
                url=m.post_url,
                caption=(m.caption or "")[:100] or None,
                views=m.current,
                gained=m.growth,
            )
            for m in movers
        ],
        milestones=milestones[:LISTED],
        new_posts=new_posts[:LISTED],
        finished=finished[:LISTED],
        more={
            name: len(items) - LISTED
            for name, items in (("milestones", milestones), ("new_posts", new_posts), ("finished", finished))
            if len(items) > LISTED
        },
        caps=caps,
        api_calls=await db_digests.calls_between(conn, start, end),
        month_calls=await month_calls_before(conn, end),
        monthly_budget=monthly_budget,
        chart=DIGEST_CHART,
        preview=preview,
    )
    series = [
        ViewsSeries(
            f"#{m.post_id} @{m.username}",
            [p.captured_at for p in points if p.post_id == m.post_id],
            [p.views for p in points if p.post_id == m.post_id],
        )
        for m in movers
    ]
    return Digest(notice=notice, series=series)
