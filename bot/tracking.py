"""The tracking service: track and untrack posts for a guild, list and find them, and their analytics."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

import asyncpg

from bot.budget import Budget
from bot.clock import Clock
from bot.errors import BudgetExceeded, CheckbackError, InvalidInput, InvalidTikTokUrl, PostNotFound
from bot.growth import snapshot_views
from bot.guild_config import default_offsets
from bot.insight.service import InsightService
from bot.metrics.models import Video
from bot.metrics.shortlinks import ShortLinkResolver
from bot.metrics.urls import VideoRef, canonical_url, parse_video_url, split_links
from bot.post_tags import store_post_tags
from bot.schedule import (
    DEFAULT_OFFSETS,
    due_times,
    first_of_next_month,
    first_pending,
)
from bot.search import profile_columns
from bot.tracking_models import (
    LinkOutcome,
    Metrics,
    PostAnalytics,
    PostChoice,
    PostPage,
    PostSummary,
    SnapshotView,
    TrackResult,
    UntrackResult,
    video_metrics,
)
from db import accounts as db_accounts
from db import budget_plan as db_plan
from db import claims as db_claims
from db import guilds as db_guilds
from db import posts as db_posts
from db import snapshots as db_snapshots
from db.posts import PostRecord
from db.schedule_codec import schedule_to_json

log = logging.getLogger(__name__)

CAPTION_LIMIT = 500
MAX_PAGE = 100
MAX_CHOICES = 25


class VideoSource(Protocol):
    """What the services need of the metrics client."""

    async def video_info(self, video: str | VideoRef) -> Video: ...


MAX_LINKS = 10  # links one /track (or one message's context menu) takes


class TrackingService:
    """Tracks posts for guilds (guild_id None: the CLI). Knows nothing of Discord.

    `on_scheduled(when)` is told each new next check time, so a scheduler can wake up for it.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        metrics: VideoSource,
        clock: Clock,
        *,
        default_offsets: Sequence[int] = DEFAULT_OFFSETS,
        budget: Budget | None = None,
        on_scheduled: Callable[[datetime], None] | None = None,
        links: ShortLinkResolver | None = None,
    ) -> None:
        self.pool = pool
        self.metrics = metrics
        self.clock = clock
        self.default_offsets = tuple(default_offsets)
        self.budget = budget if budget is not None else Budget(None, clock)  # None: no budget
        self.on_scheduled = on_scheduled
        # Short links are resolved by their redirect (no API call); without a resolver the API gets them.
        self.links = links
        self.insight = InsightService(pool, clock)  # /analytics reads baselines; the check-backs fetch them

    async def track(
        self,
        guild_id: int | None,
        url: str,
        *,
        user_id: int | None = None,
        note: str | None = None,
        discovered: bool = False,
    ) -> TrackResult:
        """Track the post at `url` for the guild: fetch it, store it, take the first snapshot at once and
        schedule its check-backs from its publish time (offsets already past are skipped).

        A post the guild already tracks is left alone (already_tracked); one another guild tracks is linked
        without calling the API. InvalidTikTokUrl, VideoUnavailable, BudgetExceeded and the API's errors
        are raised with nothing changed.

        `discovered`: a watched account's new post, found by a poll. Found after its first offset, its first
        snapshot is that check-back (the latest one past), taken at discovery and labelled with its real
        age, instead of the check being lost.
        """
        ref = parse_video_url(url)
        if ref.is_short and self.links is not None:
            ref = await self.links.resolve(ref)
        if ref.video_id is not None:
            known = await self._known(guild_id, ref.video_id, user_id=user_id, note=note)
            if known is not None:
                return known

        now = self.clock.now()
        offsets = await self._offsets(guild_id)
        if self.budget.monthly is not None:
            # Decided before the call: a post published this moment needs the most calls this month (its
            # first snapshot and every check before the 1st); a refused track spends nothing.
            await self._check_budget(self.budget.monthly, due_times(now, offsets), now)

        video = await self.metrics.video_info(ref)
        video_id = ref.video_id or video.video_id
        if not video_id:
            raise InvalidInput("the API did not say which video that link is")
        if ref.video_id is None:
            # A short link: only now do we know which post it is.
            known = await self._known(guild_id, video_id, user_id=user_id, note=note)
            if known is not None:
                return known

        now = self.clock.now()
        posted_at = video.create_time or now
        schedule = due_times(posted_at, offsets)
        skipped = first_pending(schedule, now)
        next_check = schedule[skipped] if skipped < len(schedule) else None

        author = video.author
        username = (author.unique_id if author else "") or "unknown"
        metrics = video_metrics(video)
        async with self.pool.acquire() as conn, conn.transaction():
            account_id = await db_accounts.upsert_account(conn, username=username, **profile_columns(author))
            post_id = await db_posts.upsert_post(
                conn,
                account_id=account_id,
                external_post_id=video_id,
                post_url=ref.url if ref.username else _canonical(username, video_id, ref),
                caption=(video.title or "")[:CAPTION_LIMIT] or None,
                duration=video.duration,
                posted_at=posted_at,
                thumbnail_url=video.cover,
                raw_data=video.raw,
                now=now,
            )
            await store_post_tags(conn, post_id, video)
            # upsert_post locked the row: a concurrent track of the same post waits here, then sees it
            # active and only links, so the schedule is set once.
            current = await db_posts.get_post(conn, post_id)
            check_index, scheduled_for = 0, now
            if current is None or not current.is_active:
                if discovered and skipped > 0:
                    check_index, scheduled_for = skipped, schedule[skipped - 1]
                await db_posts.start_tracking(
                    conn,
                    post_id,
                    schedule=schedule_to_json(schedule),
                    checks_completed=skipped,
                    next_check_at=next_check,
                    now=now,
                )
            await db_snapshots.insert_snapshot(
                conn,
                post_id=post_id,
                check_index=check_index,
                captured_at=now,
                scheduled_for=scheduled_for,
                **metrics.model_dump(),
            )
            await db_guilds.link_post(conn, guild_id, post_id, now, user_id=user_id, note=note)
            post = await db_posts.get_post(conn, post_id)
            snaps = await db_snapshots.list_snapshots(conn, post_id)
        assert post is not None
        if post.next_check_at is not None and self.on_scheduled is not None:
            self.on_scheduled(post.next_check_at)
        views = snapshot_views(post, snaps)
        latest = views[-1] if views else None
        log.info(
            "tracking post %s (video %s) for guild %s; next check %s", post.id, video_id, guild_id, next_check
        )
        return TrackResult(
            post=PostSummary.of(post, latest.metrics if latest else metrics),
            snapshot=latest,
            already_tracked=False,
            skipped_checks=skipped,
        )

    @staticmethod
    def check_links(links: str | Sequence[str]) -> list[str]:
        """The links of one /track, each once, in order: InvalidTikTokUrl when there is none, InvalidInput
        when there are more than MAX_LINKS (checked before anything is done)."""
        given = split_links(links) if isinstance(links, str) else [s.strip() for s in links if s.strip()]
        unique = list(dict.fromkeys(given))
        if not unique:
            raise InvalidTikTokUrl("no link was given")
        if len(unique) > MAX_LINKS:
            raise InvalidInput(f"one /track takes up to {MAX_LINKS} links; that was {len(unique)}")
        return unique

    async def track_many(
        self,
        guild_id: int | None,
        links: str | Sequence[str],
        *,
        user_id: int | None = None,
        note: str | None = None,
    ) -> list[LinkOutcome]:
        """Track each link (a text of links separated by spaces or new lines, or a list), one outcome a
        link, in order; a link given twice is tracked once. One link's error does not stop the others.
        More than MAX_LINKS links, or none, is InvalidInput/InvalidTikTokUrl with nothing done."""
        outcomes: list[LinkOutcome] = []
        for link in self.check_links(links):
            try:
                result = await self.track(guild_id, link, user_id=user_id, note=note)
            except CheckbackError as err:
                outcomes.append(LinkOutcome(link, error=err))
            else:
                outcomes.append(LinkOutcome(link, result=result))
        return outcomes

    async def _known(
        self, guild_id: int | None, video_id: str, *, user_id: int | None, note: str | None
    ) -> TrackResult | None:
        """A post already being tracked (or finished): link it to the guild without an API call."""
        async with self.pool.acquire() as conn, conn.transaction():
            post = await db_posts.get_post_by_external_id(conn, video_id)
            if post is None or (not post.is_active and not post.tracking_complete):
                return None  # unknown, or stopped: track it afresh
            await db_posts.lock_post(conn, post.id)
            linked = await db_guilds.link_post(
                conn, guild_id, post.id, self.clock.now(), user_id=user_id, note=note
            )
            summary, views = await _with_snapshots(conn, post)
        return TrackResult(post=summary, snapshot=views[-1] if views else None, already_tracked=not linked)

    async def _offsets(self, guild_id: int | None) -> tuple[int, ...]:
        """The guild's schedule, else the default one (system_settings, then `default_offsets`)."""
        async with self.pool.acquire() as conn:
            if guild_id is not None:
                settings = await db_guilds.get_settings(conn, guild_id)
                if settings.checkback_offsets_seconds:
                    return tuple(settings.checkback_offsets_seconds)
            return await default_offsets(conn, self.default_offsets)

    async def _check_budget(self, monthly: int, pending: Sequence[datetime], now: datetime) -> None:
        """Refuse a post whose checks this month the month's budget cannot cover, after the checks already
        promised to the posts being tracked."""
        month_end = first_of_next_month(now)
        needed = 1 + sum(1 for when in pending if when < month_end)  # the first snapshot, then the checks
        used, promised = await self.budget.outlook(self.pool, now)
        available = monthly - used - promised
        if needed > available:
            raise BudgetExceeded(
                f"tracking a post needs up to {needed} API calls before {month_end:%B %-d}, but only "
                f"{max(0, available)} of the {monthly} this month are left ({used} used, {promised} promised "
                f"to tracked posts); nothing was spent, and the budget renews on {month_end:%B %-d}",
                needed=needed,
                available=max(0, available),
                budget=monthly,
                used=used,
                promised=promised,
                renews=month_end,
            )

    async def untrack(self, guild_id: int | None, post_id: int) -> UntrackResult:
        """Remove the guild's link; when no guild tracks the post any more its check-backs stop."""
        now = self.clock.now()
        async with self.pool.acquire() as conn, conn.transaction():
            locked = await db_posts.lock_post(conn, post_id)
            if not locked or not await db_guilds.unlink_post(conn, guild_id, post_id):
                raise PostNotFound(f"#{post_id}")
            stopped = False
            if await db_guilds.count_links(conn, post_id) == 0:
                stopped = await db_posts.stop_tracking(conn, post_id, "untracked", now)
            post = await db_posts.get_post(conn, post_id)
        assert post is not None
        return UntrackResult(post=PostSummary.of(post), tracking_stopped=stopped)

    async def list_posts(
        self,
        guild_id: int | None,
        *,
        status: Literal["active", "complete", "all"] = "active",
        limit: int = 20,
        before: int | None = None,
        all_guilds: bool = False,
    ) -> PostPage:
        """A page of the guild's posts, newest first (all_guilds: every tracked post, for the CLI)."""
        if status not in ("active", "complete", "all"):
            raise InvalidInput(f"status must be active, complete or all (got {status!r})")
        limit = max(1, min(limit, MAX_PAGE))
        async with self.pool.acquire() as conn:
            rows = await db_posts.list_posts(
                conn,
                guild_id=guild_id,
                all_guilds=all_guilds,
                status=status,
                limit=limit + 1,
                before_id=before,
            )
            more = len(rows) > limit
            rows = rows[:limit]
            dropped = await db_plan.dropped_counts(conn, [r.post.id for r in rows])
        items = [
            PostSummary.of(
                r.post,
                Metrics(
                    views=r.views or 0, likes=r.likes or 0, comments=r.comments or 0, shares=r.shares or 0
                )
                if r.views is not None
                else None,
            ).model_copy(update={"checks_dropped": dropped.get(r.post.id, 0)})
            for r in rows
        ]
        return PostPage(items=items, next_cursor=items[-1].id if more and items else None, status=status)

    async def find_posts(
        self, guild_id: int | None, query: str, *, limit: int = MAX_CHOICES
    ) -> list[PostChoice]:
        """Autocomplete choices: the guild's posts matching `query` by id, video id, author or caption."""
        limit = max(1, min(limit, MAX_CHOICES))
        async with self.pool.acquire() as conn:
            posts = await db_posts.find_posts(conn, guild_id=guild_id, query=query or "", limit=limit)
        return [
            PostChoice(id=p.id, username=p.username, video_id=p.external_post_id, caption=p.caption)
            for p in posts
        ]

    async def get_post(self, guild_id: int | None, post_id: int, *, all_guilds: bool = False) -> PostRecord:
        async with self.pool.acquire() as conn:
            return await self._visible_post(conn, guild_id, post_id, all_guilds)

    async def analytics(
        self, guild_id: int | None, post_id: int, *, all_guilds: bool = False
    ) -> PostAnalytics:
        """The post's snapshots with growth since the previous and the first, views per hour and
        engagement rate ((likes + comments + shares) / views)."""
        async with self.pool.acquire() as conn:
            post = await self._visible_post(conn, guild_id, post_id, all_guilds)
            snaps = await db_snapshots.list_snapshots(conn, post.id)
        summary, views = _summed_up(post, snaps)
        latest = views[-1] if views else None
        return PostAnalytics(
            post=summary,
            snapshots=views,
            since_first=latest.metrics.minus(views[0].metrics) if len(views) > 1 and latest else None,
            since_previous=latest.growth if latest else None,
            views_per_hour=latest.views_per_hour if latest else None,
            engagement_rate=latest.engagement_rate if latest else None,
            insight=await self.insight.of_post(post, snaps),
        )

    async def _visible_post(
        self, conn: Any, guild_id: int | None, post_id: int, all_guilds: bool
    ) -> PostRecord:
        post = await db_posts.get_post(conn, post_id)
        if post is None or (not all_guilds and not await db_guilds.is_linked(conn, guild_id, post_id)):
            raise PostNotFound(f"#{post_id}")
        return post

    async def next_check_in(self) -> timedelta | None:
        """How long until the soonest check-back of any post (None: nothing scheduled)."""
        async with self.pool.acquire() as conn:
            when = await db_claims.next_due_at(conn, self.clock.now())
        return None if when is None else max(timedelta(0), when - self.clock.now())


async def _with_snapshots(conn: Any, post: PostRecord) -> tuple[PostSummary, list[SnapshotView]]:
    """The post summed up with its latest numbers, and its snapshots (growth, views per hour) oldest first."""
    return _summed_up(post, await db_snapshots.list_snapshots(conn, post.id))


def _summed_up(
    post: PostRecord, snaps: list[db_snapshots.Snapshot]
) -> tuple[PostSummary, list[SnapshotView]]:
    views = snapshot_views(post, snaps)
    return PostSummary.of(post, views[-1].metrics if views else None), views


def _canonical(username: str, video_id: str, ref: VideoRef) -> str:
    # A short link or a bare id is stored in its canonical long form once the API said whose video it is.
    return canonical_url(username, video_id) if username != "unknown" else ref.url
