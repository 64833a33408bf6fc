"""The account poller: the engine that polls watched accounts on an adaptive schedule, tracks and announces
each new post once, and keeps account snapshots over time. What users ask of watches is bot/watches.py."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Protocol

import asyncpg

from bot import notices
from bot.budget import Budget
from bot.clock import Clock
from bot.errors import (
    AccountUnavailable,
    BudgetExceeded,
    MetricsApiError,
    QuotaExhausted,
    VideoUnavailable,
    VideoUnreadable,
)
from bot.metrics.models import Page, UserInfo, Video
from bot.metrics.urls import canonical_url
from bot.notices import NewPostNotice, WatchStoppedNotice
from bot.poll_schedule import MAX_INTERVAL, MIN_INTERVAL, RATE_WINDOW, poll_interval
from bot.schedule import first_of_next_month
from bot.search import profile_columns
from bot.tracking import TrackingService
from bot.tracking_models import TrackResult
from bot.watch_models import PollOutcome, PollReport
from db import account_snapshots as db_account_snapshots
from db import accounts as db_accounts
from db import outbox as db_outbox
from db import seen_videos as db_seen
from db import watches as db_watches
from db.watches import Watcher, WatchRecord

log = logging.getLogger(__name__)

# /user/info's video count says whether the posts changed; the posts are fetched anyway this often, in
# case a deletion and a new post cancelled out.
POSTS_REFRESH = timedelta(hours=6)
# Pages of /user/posts followed while every video on them is new (30 a page).
MAX_PAGES = 3
# A poll costs /user/info and usually /user/posts.
CALLS_PER_POLL = 2


class AccountSource(Protocol):
    """What the account poller and the watch service need of the metrics client."""

    async def user_info(self, username: str) -> UserInfo: ...

    async def user_posts(self, username: str, *, cursor: str | int = 0, count: int = 30) -> Page[Video]: ...


class _Superseded(Exception):
    """Our claim was taken over (lease expired) or the watch stopped: roll the poll's writes back."""


class _Transient(Exception):
    """A metrics failure in the middle of a poll: what is recorded stays, the rest is polled again."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class AccountPoller:
    """Polls the watched accounts that are due, `concurrency` at once. Knows nothing of Discord.

    Order of work per poll, so a crash anywhere loses nothing and announces nothing twice:
      1. claim (short transaction, FOR UPDATE SKIP LOCKED, a lease and a fencing token);
      2. the API calls, outside any transaction;
      3. per new video, oldest first: TrackingService.track for each watching guild (idempotent: a guild
         already tracking it is left alone), then ONE transaction that records the video as seen (unique
         key) and, only if this transaction recorded it, writes the announcement rows;
      4. one transaction: the account snapshot, the back catalogue (first poll), the next poll time, the
         lease cleared, if the claim is still ours.
    A process that dies between 3's track and its transaction re-finds the video as unseen, tracks it again
    (a no-op) and announces it; one that dies after it finds it seen. Two pollers racing on one video meet
    at the unique key, and only one writes the announcement.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        metrics: AccountSource,
        clock: Clock,
        *,
        tracking: TrackingService,
        budget: Budget | None = None,
        budget_reserve: float = 0.05,
        lease: timedelta = timedelta(minutes=5),
        min_interval: timedelta = MIN_INTERVAL,
        max_interval: timedelta = MAX_INTERVAL,
        retry_base: timedelta = timedelta(minutes=1),
        concurrency: int = 8,
        claim_limit: int = 50,
    ) -> None:
        self.pool = pool
        self.metrics = metrics
        self.clock = clock
        self.tracking = tracking
        self.budget = budget if budget is not None else Budget(None, clock)  # None: no budget
        self.budget_reserve = budget_reserve
        self.lease = lease
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.retry_base = retry_base
        self.concurrency = max(1, concurrency)
        self.claim_limit = max(1, claim_limit)

    async def run_due(self, *, limit: int | None = None) -> PollReport:
        """Polls every watch due now (or `limit` of them), `concurrency` at once, then returns."""
        report = PollReport()
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(watch: WatchRecord) -> PollOutcome:
            async with semaphore:
                try:
                    return await self.poll(watch)
                except Exception as exc:  # e.g. the database failed mid-poll: one watch, not the run
                    log.exception("polling @%s failed", watch.username)
                    return await self._release(watch, exc)

        while limit is None or len(report.outcomes) < limit:
            batch = await self.claim_due(
                min(self.claim_limit, limit - len(report.outcomes)) if limit else self.claim_limit
            )
            if not batch:
                break
            batch, postponed = await self._within_budget(batch)
            report.outcomes.extend(postponed)
            report.outcomes.extend(await asyncio.gather(*(one(w) for w in batch)))
            if len(batch) + len(postponed) < self.claim_limit:
                break
        return report

    async def claim_due(self, limit: int | None = None) -> list[WatchRecord]:
        """Claims watches due now for one lease (then poll each with `poll`)."""
        async with self.pool.acquire() as conn:
            return await db_watches.claim_due(conn, self.clock.now(), limit or self.claim_limit, self.lease)

    async def next_due_at(self) -> datetime | None:
        async with self.pool.acquire() as conn:
            return await db_watches.next_due_at(conn)

    async def poll(self, watch: WatchRecord, *, info: UserInfo | None = None) -> PollOutcome:
        """Polls one claimed watch (from `claim_due`). `info`: the profile WatchService.add fetched and
        stored a moment ago (for the baseline), so no second snapshot of it is taken."""
        name = watch.username
        baseline = watch.baseline_at is None
        store_snapshot = info is None
        try:
            if info is None:
                info = await self.metrics.user_info(name)
            if info.private:
                raise AccountUnavailable(f"@{name} is private", private=True)
            now = self.clock.now()
            fetch = (
                baseline
                or info.video_count is None
                or info.video_count != watch.last_video_count
                or watch.posts_checked_at is None
                or now - watch.posts_checked_at >= POSTS_REFRESH
            )
            videos = await self._fetch_videos(watch, baseline=baseline) if fetch else []
        except AccountUnavailable as exc:
            if exc.facts.get("evidence") == "vague" and not (info is not None and info.private):
                # "Something went wrong", data null: proves nothing (bot/metrics/evidence.py); poll again.
                return await self._release(watch, exc)
            private = bool(exc.facts.get("private")) or (info is not None and info.private)
            private = private or "private" in str(exc).lower()
            return await self._stop_unavailable(watch, private=private, detail=str(exc))
        except QuotaExhausted as exc:
            [outcome] = await self._postpone([watch], str(exc))
            return outcome
        except Exception as exc:  # RateLimited, ApiUnavailable, a surprise: poll again later
            if not isinstance(exc, MetricsApiError):
                log.exception("polling @%s failed", name)
            return await self._release(watch, exc)

        now = self.clock.now()
        silent: list[tuple[str, datetime | None]] = []
        found = 0
        announced = 0
        newest: datetime | None = None
        if baseline:
            silent = [(v.video_id, v.create_time) for v in videos]
        else:
            async with self.pool.acquire() as conn:
                seen = await db_seen.seen_among(conn, watch.account_id, [v.video_id for v in videos])
            fresh = [v for v in videos if v.video_id not in seen]
            # Oldest first, so a channel reads the announcements in publishing order.
            fresh.sort(key=lambda v: v.create_time or now)
            assert watch.baseline_at is not None
            for video in fresh:
                if video.create_time is not None and video.create_time < watch.baseline_at:
                    # Older than the watch (it surfaced late, e.g. made public again): no flood of old posts.
                    silent.append((video.video_id, video.create_time))
                    continue
                try:
                    recorded, sent = await self._announce(watch, video, info)
                except _Transient as exc:
                    return await self._release(watch, exc.error)
                found += recorded
                announced += sent
                if sent and video.create_time is not None:
                    newest = max(newest or video.create_time, video.create_time)
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                if store_snapshot:
                    await store_account(conn, name, info, now)
                found += await db_seen.record_seen_many(conn, watch.account_id, silent, now)
                times = await db_seen.post_times_since(conn, watch.account_id, now - RATE_WINDOW)
                next_poll = now + poll_interval(
                    times, now, min_interval=self.min_interval, max_interval=self.max_interval
                )
                if not await db_watches.complete_poll(
                    conn,
                    watch.id,
                    watch.claim_count,
                    now=now,
                    next_poll_at=next_poll,
                    video_count=info.video_count,
                    posts_checked=fetch,
                    baseline=baseline,
                    new_post_at=newest,
                ):
                    raise _Superseded
        except _Superseded:
            return PollOutcome(watch.id, name, "superseded", found, announced)
        return PollOutcome(
            watch.id, name, "baseline" if baseline else "polled", found, announced, next_poll_at=next_poll
        )

    async def _fetch_videos(self, watch: WatchRecord, *, baseline: bool) -> list[Video]:
        """The newest page of videos; later pages only while every video on a page is unseen (more than a
        page posted since the last poll). The baseline takes one page: older videos can never be 'new'."""
        found: list[Video] = []
        ids: set[str] = set()
        cursor: str = "0"
        for _ in range(1 if baseline else MAX_PAGES):
            page = await self.metrics.user_posts(watch.username, cursor=cursor)
            fresh = [v for v in page.items if v.video_id and v.video_id not in ids]
            found.extend(fresh)
            ids.update(v.video_id for v in fresh)
            if baseline or page.at_end or page.cursor == cursor:
                break
            async with self.pool.acquire() as conn:
                if await db_seen.seen_among(conn, watch.account_id, [v.video_id for v in fresh]):
                    break
            cursor = page.cursor
        return found

    async def _announce(self, watch: WatchRecord, video: Video, info: UserInfo) -> tuple[int, int]:
        """Tracks a new video for every watching guild, then records it seen and announces it in one
        transaction. Returns (recorded, announced) as 0/1 each."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            who = await db_watches.watchers(conn, watch.id)
        url = canonical_url(watch.username, video.video_id)
        results: dict[int | None, TrackResult] = {}
        not_tracked: str | None = None
        for watcher in who:
            try:
                results[watcher.guild_id] = await self.tracking.track(watcher.guild_id, url, discovered=True)
            except VideoUnreadable as exc:  # proves nothing: look again at the next poll
                raise _Transient(exc) from exc
            except VideoUnavailable:
                # Gone between the listing and the fetch: nothing to track or announce.
                async with self.pool.acquire() as conn:
                    recorded = await db_seen.record_seen(
                        conn, watch.account_id, video.video_id, video.create_time, now, announced=False
                    )
                return int(recorded), 0
            except (BudgetExceeded, QuotaExhausted):
                not_tracked = "the month's API budget is used up"
                break
            except MetricsApiError as exc:
                raise _Transient(exc) from exc
        async with self.pool.acquire() as conn, conn.transaction():
            if not await db_seen.record_seen(
                conn, watch.account_id, video.video_id, video.create_time, now, announced=True
            ):
                return 0, 0  # another poller recorded (and announced) it
            for watcher in who:
                await self._enqueue_new_post(conn, watch, watcher, video, info, results, not_tracked, now)
        log.info("@%s posted video %s: announced to %d watcher(s)", watch.username, video.video_id, len(who))
        return 1, 1

    async def _enqueue_new_post(
        self,
        conn: Any,
        watch: WatchRecord,
        watcher: Watcher,
        video: Video,
        info: UserInfo,
        results: dict[int | None, TrackResult],
        not_tracked: str | None,
        now: datetime,
    ) -> None:
        result = results.get(watcher.guild_id)
        post = result.post if result else None
        notice = NewPostNotice(
            account=watch.username,
            display_name=info.nickname or watch.display_name,
            video_id=video.video_id,
            url=post.url if post else canonical_url(watch.username, video.video_id),
            caption=(video.title or "")[:200] or None,
            posted_at=video.create_time,
            discovered_at=now,
            post_id=post.id if post else None,
            tracked=post is not None,
            not_tracked_reason=None if post else (not_tracked or "not tracked"),
            checks_total=post.checks_total if post else None,
            skipped_checks=result.skipped_checks if result else 0,
            next_check_at=post.next_check_at if post else None,
            views=post.latest.views if post and post.latest else video.play_count,
            followers=info.follower_count,
        )
        await notices.enqueue(
            conn,
            notice,
            dedupe_key=f"new_post:{db_outbox.guild_key(watcher.guild_id)}:{video.video_id}",
            guild_id=watcher.guild_id,
            channel_id=watcher.channel_id,
            post_id=post.id if post else None,
            now=now,
        )

    async def _stop_unavailable(self, watch: WatchRecord, *, private: bool, detail: str) -> PollOutcome:
        """Private or gone: polling stops and each watcher is told once."""
        now = self.clock.now()
        reason = "private" if private else "deleted or does not exist"
        async with self.pool.acquire() as conn, conn.transaction():
            stopped = await db_watches.stop(conn, watch.id, reason, now, claim=watch.claim_count)
            if stopped:
                await db_accounts.mark_account_unavailable(conn, watch.account_id, private=private, now=now)
                for watcher in await db_watches.watchers(conn, watch.id):
                    await notices.enqueue(
                        conn,
                        WatchStoppedNotice(account=watch.username, reason=reason, at=now),
                        dedupe_key=f"watch_stopped:{watch.id}:{watch.generation}:{db_outbox.guild_key(watcher.guild_id)}",
                        guild_id=watcher.guild_id,
                        channel_id=watcher.channel_id,
                        now=now,
                    )
        if stopped:
            log.warning("watch of @%s stopped: %s (%s)", watch.username, reason, detail)
        return PollOutcome(watch.id, watch.username, "stopped" if stopped else "superseded", error=reason)

    async def _release(self, watch: WatchRecord, error: BaseException) -> PollOutcome:
        """A transient failure: poll again after a backoff that doubles per failure (capped)."""
        now = self.clock.now()
        delay = min(self.max_interval, self.retry_base * (2 ** min(watch.poll_failures, 16)))
        text = f"{type(error).__name__}: {error}"
        async with self.pool.acquire() as conn:
            await db_watches.release(
                conn, watch.id, watch.claim_count, retry_at=now + delay, error=text, now=now
            )
        log.warning("polling @%s failed (%s); again in %s", watch.username, text, delay)
        # The outcome says what the API did in its own words; a surprise keeps its class name, the clue.
        said = str(error) if isinstance(error, MetricsApiError) else text
        return PollOutcome(watch.id, watch.username, "retry", next_poll_at=now + delay, error=said)

    async def _within_budget(self, batch: list[WatchRecord]) -> tuple[list[WatchRecord], list[PollOutcome]]:
        """The watches the month's budget can poll; the rest are postponed. Check-backs already promised to
        tracked posts come first, and a reserve (`budget_reserve` of the budget) is kept for new posts."""
        monthly = self.budget.monthly
        if monthly is None:
            return batch, []
        used, promised = await self.budget.outlook(self.pool, self.clock.now())
        reserve = max(CALLS_PER_POLL, round(monthly * self.budget_reserve))
        affordable = max(0, (monthly - used - promised - reserve) // CALLS_PER_POLL)
        if affordable >= len(batch):
            return batch, []
        keep, rest = batch[:affordable], batch[affordable:]
        detail = f"{used} of {monthly} calls used, {promised} promised to check-backs"
        return keep, await self._postpone(rest, detail, used=used)

    async def _postpone(
        self, watches: list[WatchRecord], detail: str, *, used: int | None = None
    ) -> list[PollOutcome]:
        """The budget is nearly used: polls move to the 1st of next month, and each watching guild is told
        once a month."""
        now = self.clock.now()
        until = first_of_next_month(now)
        guilds: Counter[int | None] = Counter()
        async with self.pool.acquire() as conn, conn.transaction():
            for watch in watches:
                await db_watches.release(
                    conn, watch.id, watch.claim_count, retry_at=until, error=None, now=now
                )
                guilds.update(w.guild_id for w in await db_watches.watchers(conn, watch.id))
            await self.budget.tell_postponed(conn, "polls", guilds, now=now, used=used)
        log.warning(
            "API budget nearly used (%s): %d account polls postponed to %s",
            detail,
            len(watches),
            until.date(),
        )
        return [PollOutcome(w.id, w.username, "postponed", next_poll_at=until, error=detail) for w in watches]


async def store_account(conn: Any, name: str, info: UserInfo, now: datetime) -> int:
    """The accounts row's own columns from the profile, and one snapshot of the numbers."""
    account_id = await db_accounts.upsert_account(
        conn, username=name, is_verified=info.verified, is_private=info.private, **profile_columns(info)
    )
    await db_account_snapshots.insert_snapshot(
        conn,
        account_id,
        now,
        followers=info.follower_count,
        following=info.following_count,
        hearts=info.heart_count,
        videos=info.video_count,
        likes_given=info.digg_count,
    )
    return int(account_id)
