"""The check-back runner: claims due posts, fetches their numbers, records the snapshot and notifications."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg

from bot import notices
from bot.budget import Budget
from bot.check_stops import retry_at, stop_post, wait_for_database, weigh_failure
from bot.clock import Clock
from bot.errors import MalformedAnswer, MetricsApiError, QuotaExhausted, VideoUnavailable
from bot.growth import check_offset, milestones_crossed, views_per_hour
from bot.insight.baseline import Baseline
from bot.insight.service import InsightService
from bot.notices import CheckbackNotice, Counts, MilestoneNotice, Notice, ViralNotice
from bot.ops import metrics as ops_metrics
from bot.outcomes import Report
from bot.post_tags import store_post_tags
from bot.schedule import first_of_next_month, latest_due
from bot.tracking import VideoSource
from bot.tracking_models import Metrics, video_metrics
from db import check_faults as db_faults
from db import claims as db_claims
from db import guilds as db_guilds
from db import outbox as db_outbox
from db import posts as db_posts
from db import snapshots as db_snapshots
from db.check_faults import FaultKind
from db.claims import ClaimedPost
from db.pool import DATABASE_AWAY

log = logging.getLogger(__name__)

# A check answered more than this after its time says how late it is.
LATE_AFTER = timedelta(minutes=10)

# "finished": every check of the schedule was already recorded, only the post's completion was left to write.
Status = Literal["recorded", "unavailable", "failing", "retry", "postponed", "superseded", "finished"]


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What happened to one claimed post."""

    post_id: int
    video_id: str
    status: Status
    check_index: int | None = None
    checks_total: int = 0
    views: int | None = None
    views_growth: int | None = None
    late: timedelta | None = None
    skipped: int = 0  # missed checks folded into this one (coalescing)
    next_check_at: datetime | None = None
    error: str | None = None
    notifications: int = 0


@dataclass(slots=True)
class RunReport(Report[CheckOutcome]):
    @property
    def recorded(self) -> int:
        return self.count("recorded")


class CheckbackRunner:
    """Runs the check-backs that are due, as many at once as the metrics client allows.

    Order of work per post, so a crash anywhere loses nothing and records nothing twice:
      1. claim (short transaction, FOR UPDATE SKIP LOCKED): claimed_until = now + lease;
      2. the API call, outside any transaction;
      3. one transaction: the schedule advances only if checks_completed is still what was claimed, the
         snapshot goes in ON CONFLICT DO NOTHING on (post, check_index), the lease is cleared and one outbox
         row per guild is written. A runner that dies before 3 leaves a lease that expires; the check is
         claimed again and nothing was written.
    """

    after_check: Callable[[ClaimedPost, int], Awaitable[None]] | None = None  # bot/comment_checks.py

    def __init__(
        self,
        pool: asyncpg.Pool,
        metrics: VideoSource,
        clock: Clock,
        *,
        concurrency: int = 64,
        lease: timedelta = timedelta(minutes=5),
        budget: Budget | None = None,
        retry_base: timedelta = timedelta(minutes=1),
        retry_max: timedelta = timedelta(hours=1),
        on_outcome: Callable[[CheckOutcome], None] | None = None,
        database_wait: float = 60.0,
        insight: InsightService | None = None,  # default: baselines from the tracked history only
    ) -> None:
        self.database_wait = database_wait
        self.insight = insight or InsightService(pool, clock)
        self.pool = pool
        self.metrics = metrics
        self.clock = clock
        # Calls in flight: the client's token bucket sets the rate; this only has to exceed
        # rate x latency so the bucket is never starved (50/s x 0.75 s = 38 < 64).
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.budget = budget if budget is not None else Budget(None, clock)  # None: no budget
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.on_outcome = on_outcome
        self._lock = asyncio.Lock()

    async def run_once(self, *, limit: int | None = None) -> RunReport:
        """Checks every post due now (or `limit` of them), then returns; claims again as calls finish, so
        `concurrency` calls stay in flight until nothing due is left."""
        report = RunReport()
        pending: set[asyncio.Task[CheckOutcome]] = set()
        claimed_total = 0
        exhausted = False
        # Small claims waste round trips; wait until a quarter of the slots are free.
        refill_at = max(1, self.concurrency // 4)
        try:
            while True:
                free = self.concurrency - len(pending)
                if limit is not None:
                    free = min(free, limit - claimed_total)
                if not exhausted and free > 0 and (free >= refill_at or not pending):
                    try:
                        claimed, batch = await self._claim(free, in_flight=len(pending), report=report)
                    except DATABASE_AWAY as exc:
                        await self._database_back(exc)
                        continue
                    claimed_total += claimed
                    if claimed == 0 or (limit is not None and claimed_total >= limit):
                        exhausted = True
                    for post in batch:
                        pending.add(asyncio.create_task(self._check(post), name=f"checkback-{post.id}"))
                if not pending:
                    if exhausted:
                        break
                    continue
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                await self._collect(done, report)
        finally:
            # A cancelled run leaves its claims to expire: nothing half-written to undo. Every task is
            # awaited, so none ends with an exception nobody retrieved.
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        return report

    async def _collect(self, done: set[asyncio.Task[CheckOutcome]], report: RunReport) -> None:
        """The finished checks' outcomes; a check the database dropped is left to its lease (claimed again
        when it expires) once the database is back."""
        lost: BaseException | None = None
        failure: BaseException | None = None
        for task in done:
            exc = task.exception()
            if exc is None:
                self._report(report, task.result())
            elif isinstance(exc, DATABASE_AWAY):
                lost = exc
            else:
                failure = failure or exc
        if failure is not None:
            raise failure
        if lost is not None:
            await self._database_back(lost)

    async def _database_back(self, exc: BaseException) -> None:
        await wait_for_database(self.pool, self.database_wait, exc)

    async def _claim(self, count: int, *, in_flight: int, report: RunReport) -> tuple[int, list[ClaimedPost]]:
        """Claims up to `count` due posts; returns how many were claimed and those to check now (past the
        month's budget the rest are postponed)."""
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            batch = await db_claims.claim_due(conn, now, count, self.lease)
        monthly = self.budget.monthly
        if not batch or monthly is None:
            return len(batch), batch
        # Calls started this month, and those claimed here but not started yet, count against the budget.
        remaining = monthly - await self.budget.used() - in_flight
        if remaining >= len(batch):
            return len(batch), batch
        keep = batch[: max(0, remaining)]
        for outcome in await self._postpone(batch[len(keep) :], now, used=monthly - max(0, remaining)):
            self._report(report, outcome)
        return len(batch), keep

    def _report(self, report: RunReport, outcome: CheckOutcome) -> None:
        report.outcomes.append(outcome)
        ops_metrics.count_checkback(
            outcome.status, late=outcome.late is not None and outcome.late > LATE_AFTER
        )
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    async def _postpone(
        self, posts: list[ClaimedPost], now: datetime, *, used: int | None = None
    ) -> list[CheckOutcome]:
        """The budget ran out: the checks move to the 1st of next month (never dropped) and each guild
        with such a post is told once a month."""
        until = first_of_next_month(now)
        ids = [p.id for p in posts]
        async with self.pool.acquire() as conn, conn.transaction():
            await db_claims.postpone(conn, ids, until)
            affected: Counter[int | None] = Counter()
            for gids in (await db_guilds.guilds_of_posts(conn, ids)).values():
                affected.update(gids)
            await self.budget.tell_postponed(conn, "checks", affected, now=now, used=used)
        log.warning("API budget used up: %d check-backs postponed to %s", len(posts), until.date())
        return [CheckOutcome(p.id, p.external_post_id, "postponed", next_check_at=until) for p in posts]

    async def _check(self, post: ClaimedPost) -> CheckOutcome:
        schedule, done = post.check_schedule, post.checks_completed
        if done >= len(schedule):
            return await self._finish_empty(post)
        try:
            video = await self.metrics.video_info(post.post_url)
        except VideoUnavailable as exc:
            # Proves nothing alone (bot/metrics/evidence.py): weighed with the post's earlier failures.
            kind: FaultKind = "gone" if exc.facts.get("evidence") == "gone" else "vague"
            return await self._failed(post, kind, str(exc))
        except MalformedAnswer as exc:
            return await self._failed(post, "bad", f"malformed answer ({exc.detail})")
        except QuotaExhausted as exc:
            [outcome] = await self._postpone([post], self.clock.now())
            return replace(outcome, error=str(exc))
        except MetricsApiError as exc:  # RateLimited, ApiUnavailable, ApiRejected: try again later
            return await self._release(post, exc)
        except Exception as exc:  # a bug or a surprise answer: retried, but a bounded number of times
            log.exception("check-back of post %s failed", post.id)
            return await self._failed(post, "bad", f"{type(exc).__name__}: {str(exc)[:200]}")

        now = self.clock.now()
        index = latest_due(schedule, done, now)
        check_index = index + 1
        next_check = schedule[index + 1] if index + 1 < len(schedule) else None
        late = now - schedule[index]
        metrics = video_metrics(video)
        age = schedule[index] - post.posted_at if post.posted_at else None
        baseline = await self.insight.baseline(post.id, post.account_id, post.external_post_id, age)
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                advanced = await db_claims.complete_check(
                    conn, post.id, expected_done=done, done=check_index, next_check_at=next_check, now=now
                )
                if not advanced:
                    # Our lease expired and another runner recorded this check, or it was untracked.
                    return CheckOutcome(post.id, post.external_post_id, "superseded", check_index=check_index)
                if post.check_failures:
                    await db_faults.clear_faults(conn, post.id)  # an answer: the run of failures ends
                previous = await db_snapshots.list_snapshots(conn, post.id, before_index=check_index)
                inserted = await db_snapshots.insert_snapshot(
                    conn,
                    post_id=post.id,
                    check_index=check_index,
                    captured_at=now,
                    scheduled_for=schedule[index],
                    **metrics.model_dump(),
                )
                await store_post_tags(conn, post.id, video)  # hashtags and sound: tracked posts get theirs
                written = 0
                if inserted:
                    written = await self._notify_check(
                        conn,
                        post,
                        check_index,
                        schedule,
                        metrics,
                        previous,
                        now,
                        late,
                        index - done,
                        next_check,
                        baseline,
                    )
        except DATABASE_AWAY:
            raise  # not the post's fault: the run stops (the lease expires; the check is done later)
        except Exception as exc:  # a value the database refuses: bounded attempts, then the post stops
            log.exception("recording the check-back of post %s failed", post.id)
            return await self._failed(post, "bad", f"{type(exc).__name__}: {str(exc)[:200]}")
        prev_views = previous[-1].views if previous else None
        if self.after_check is not None:
            await self.after_check(post, check_index)
        return CheckOutcome(
            post.id,
            post.external_post_id,
            "recorded",
            check_index=check_index,
            checks_total=len(schedule),
            views=metrics.views,
            views_growth=metrics.views - prev_views if prev_views is not None else None,
            late=late,
            skipped=index - done,
            next_check_at=next_check,
            notifications=written,
        )

    async def _notify_check(
        self,
        conn: Any,
        post: ClaimedPost,
        check_index: int,
        schedule: list[datetime],
        metrics: Metrics,
        previous: list[db_snapshots.Snapshot],
        now: datetime,
        late: timedelta,
        skipped: int,
        next_check: datetime | None,
        baseline: Baseline,
    ) -> int:
        """One checkback row per guild tracking the post, plus milestone and viral rows when they apply."""
        author, caption, _ = await db_posts.author_and_caption(conn, post.id)
        first = previous[0] if previous else None
        last = previous[-1] if previous else None
        pace = views_per_hour(metrics.views, last.views, last.captured_at, now) if last else None
        insight = await self.insight.at_check(
            conn, post, check_index, baseline, metrics.views, previous, pace, now
        )
        about = notices.about_post(post, author, caption)
        checkback = CheckbackNotice(
            **about,
            check_index=check_index,
            checks_total=len(schedule),
            offset=check_offset(schedule, post.posted_at, check_index),
            scheduled_for=schedule[check_index - 1],
            captured_at=now,
            late_seconds=int(late.total_seconds()) if late >= LATE_AFTER or skipped else 0,
            skipped=skipped,
            metrics=Counts(**metrics.model_dump()),
            since_previous=_growth(metrics, last),
            since_first=_growth(metrics, first),
            views_per_hour=round(pace, 1) if pace is not None else None,
            engagement_rate=metrics.engagement_rate,
            final=next_check is None,
            next_check_at=next_check,
            standing=insight.standing,
            projection=insight.projection,
            milestone_eta=insight.eta,
        )
        rows: list[tuple[str, Notice]] = [(f"checkback:{post.id}:{check_index}", checkback)]

        for mark in milestones_crossed(last.views if last else None, metrics.views):
            rows.append(
                (f"milestone:{post.id}:{mark}", MilestoneNotice(**about, milestone=mark, views=metrics.views))
            )

        if (viral := insight.viral) is not None:
            rows.append(
                (
                    f"viral:{post.id}",
                    ViralNotice(**about, **viral, views=metrics.views, check_index=check_index),
                )
            )

        written = 0
        for gid in await db_guilds.guilds_of_post(conn, post.id):
            for key, notice in rows:
                written += await notices.enqueue(
                    conn,
                    notice,
                    dedupe_key=f"{key}:{db_outbox.guild_key(gid)}",
                    guild_id=gid,
                    post_id=post.id,
                    now=now,
                )
        return written

    async def _failed(self, post: ClaimedPost, kind: FaultKind, reason: str) -> CheckOutcome:
        """A failed answer (vague, "gone" wording, malformed) or a failure to record: stop only when the
        post's run of failures proves it (bot/metrics/evidence.judge); otherwise retry with backoff."""
        now = self.clock.now()
        decision, streak = await weigh_failure(self.pool, post, kind, reason, now)
        if decision == "retry":
            return await self._release(post, reason, at=retry_at(streak, now, self._backoff(post)))
        stopped, written = await stop_post(
            self.pool, post, now, failing=streak if decision == "poison" else None
        )
        status: Status = ("unavailable" if decision == "gone" else "failing") if stopped else "superseded"
        return CheckOutcome(post.id, post.external_post_id, status, error=reason, notifications=written)

    def _backoff(self, post: ClaimedPost) -> timedelta:
        return min(self.retry_max, self.retry_base * (2 ** min(post.check_failures, 20)))

    async def _release(
        self, post: ClaimedPost, error: str | MetricsApiError, *, at: datetime | None = None
    ) -> CheckOutcome:
        """A failure that proves nothing: the check stays due and is retried at `at`, by default after a
        backoff that doubles per failure (capped), so a struggling API is not hammered. An API's error is
        logged with its class name; the outcome says what the API did, in its own words."""
        now = self.clock.now()
        when = at or now + self._backoff(post)
        async with self.pool.acquire() as conn:
            await db_claims.release_claim(conn, post.id, expected_done=post.checks_completed, retry_at=when)
        logged = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        log.warning("check-back of post %s failed (%s); retrying in %s", post.id, logged, when - now)
        return CheckOutcome(post.id, post.external_post_id, "retry", error=str(error), next_check_at=when)

    async def _finish_empty(self, post: ClaimedPost) -> CheckOutcome:
        # Every check of the schedule is answered: complete it as record_check_completion would (unless
        # another worker got there first: then it is theirs, as with a check they recorded).
        async with self.pool.acquire() as conn:
            finished = await db_claims.complete_check(
                conn,
                post.id,
                expected_done=post.checks_completed,
                done=post.checks_completed,
                next_check_at=None,
                now=self.clock.now(),
            )
        return CheckOutcome(post.id, post.external_post_id, "finished" if finished else "superseded")

    async def next_due_at(self) -> datetime | None:
        async with self.pool.acquire() as conn:
            return await db_claims.next_due_at(conn, self.clock.now())


def _growth(metrics: Metrics, snap: db_snapshots.Snapshot | None) -> Counts | None:
    return None if snap is None else Counts(**metrics.minus(Metrics.of(snap)).model_dump())
