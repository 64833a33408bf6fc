"""The insight service: a post's baseline (fetching its account's recent videos at most daily, within the
API budget, when too few of its posts are tracked), and what a check-back or /analytics says with it: the
standing, the projection, a milestone's ETA, the viral reason, and how far off early projections were."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import asyncpg

from bot.budget import Budget
from bot.clock import Clock
from bot.errors import MetricsApiError
from bot.growth import MILESTONES, VIRAL_FACTOR, VIRAL_MIN_VIEWS, check_offset, viral_reason
from bot.insight.baseline import MIN_TRACKED, Baseline
from bot.insight.models import (
    MilestoneEta,
    PostInsight,
    ProjectedPoint,
    ProjectedViews,
    ProjectionCheck,
    Standing,
)
from bot.insight.projection import MONTH_HOURS, WEEK_HOURS, Projection, milestone_eta, project
from bot.insight.shape import AccountCurve, Point, fit_account_curve
from bot.metrics.models import Page, Video
from bot.schedule import format_offset
from bot.shedding import NEW_POST_RESERVE
from db import baselines as db_baselines
from db.claims import ClaimedPost
from db.pool import DATABASE_AWAY
from db.posts import PostRecord
from db.snapshots import Snapshot

log = logging.getLogger(__name__)

# One account-posts call: the account's last 20 videos.
CURVE_VIDEOS = 20
# An account's videos are fetched again after a day, and not within the hour after a failed attempt.
CURVE_REFRESH = timedelta(days=1)
CURVE_RETRY = timedelta(hours=1)
# The tracked history at "the same check": checks this close in age (10%, at least 10 minutes).
SAME_AGE = 0.1
SAME_AGE_MIN = timedelta(minutes=10)
# The chart's projected line: this many points from the latest snapshot to 30 days.
PATH_POINTS = 24
# The early projection /analytics judges: the one made nearest this age (and no later than LATEST_EARLY).
EARLY_HOURS = 24.0
LATEST_EARLY_HOURS = 48.0


class AccountPosts(Protocol):
    async def user_posts(self, username: str, *, cursor: str | int = 0, count: int = 30) -> Page[Video]: ...


@dataclass(frozen=True, slots=True)
class CheckInsight:
    """What one check-back says beyond its numbers; `viral`: a ViralNotice's reason and figures, or None."""

    standing: Standing | None
    projection: ProjectedViews | None
    eta: MilestoneEta | None
    viral: dict[str, Any] | None


def _hours(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else (end - start).total_seconds() / 3600


@dataclass(eq=False)
class InsightService:
    """`posts`: where an account's recent videos come from (the metrics client); None: the tracked history
    only (no calls). `budget`: the month's; a call it cannot afford is skipped and the standing says so."""

    pool: asyncpg.Pool
    clock: Clock
    _: KW_ONLY
    posts: AccountPosts | None = None
    budget: Budget | None = None

    async def baseline(
        self, post_id: int, account_id: int, video_id: str, age: timedelta | None, *, fetch: bool = True
    ) -> Baseline:
        """The baseline of a post at `age` (a check's offset); outside any transaction, as it may call the
        API (`fetch`) for the account's videos. A failure other than the database's is logged and gives no
        baseline: it never stops a check-back."""
        try:
            return await self._baseline(post_id, account_id, video_id, age, fetch=fetch)
        except DATABASE_AWAY:
            raise
        except Exception:
            log.exception("the baseline of post %s failed", post_id)
            return Baseline(account=None)

    async def _baseline(
        self, post_id: int, account_id: int, video_id: str, age: timedelta | None, *, fetch: bool
    ) -> Baseline:
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            username, stored = await db_baselines.account_curve(conn, account_id)
            peers = []
            if age is not None:
                tolerance = max(SAME_AGE_MIN, age * SAME_AGE)
                peers = await db_baselines.peer_views_at_age(
                    conn,
                    account_id,
                    exclude_post=post_id,
                    age_seconds=age.total_seconds(),
                    tolerance_seconds=tolerance.total_seconds(),
                )
            enough = len(peers) >= MIN_TRACKED
            # The account's videos are fetched again when the history is too short and they are a day old.
            claimed = (
                fetch
                and not enough
                and (stored is None or now - stored.fetched_at >= CURVE_REFRESH)
                and self.posts is not None
                and username is not None
                and await db_baselines.claim_curve_refresh(
                    conn, account_id, now, every=CURVE_REFRESH, retry=CURVE_RETRY
                )
            )
        why = None
        if claimed and username is not None:
            if await self._affordable(now):
                stored = await self._fetch(account_id, username, now) or stored
            else:
                why = "budget"
        curve = _curve(stored, video_id)
        return Baseline(
            account=username,
            peers=peers if enough else [],
            curve=curve,
            why=why if curve is None else None,
        )

    async def _affordable(self, now: datetime) -> bool:
        """One call fits beside the check-backs promised this month and the new-post reserve."""
        if self.budget is None or self.budget.monthly is None:
            return True
        used, promised = await self.budget.outlook(self.pool, now)
        return self.budget.monthly - used - promised - NEW_POST_RESERVE >= 1

    async def _fetch(self, account_id: int, username: str, now: datetime) -> db_baselines.CurvePoints | None:
        assert self.posts is not None
        try:
            # One more than compared: a tracked post among them is left out of its own baseline.
            page = await self.posts.user_posts(username, count=CURVE_VIDEOS + 1)
        except MetricsApiError as exc:  # no baseline this time; tried again after CURVE_RETRY
            log.warning("the recent videos of @%s could not be fetched (%s)", username, exc)
            return None
        points = [
            (v.video_id, (now - v.create_time).total_seconds() / 3600, int(v.play_count))
            for v in page.items[: CURVE_VIDEOS + 1]
            if v.create_time is not None and v.play_count is not None and v.create_time < now
        ]
        curve = db_baselines.CurvePoints(
            now, [p[0] for p in points], [p[1] for p in points], [p[2] for p in points]
        )
        async with self.pool.acquire() as conn:
            await db_baselines.store_curve_points(conn, account_id, curve)
        return curve

    async def at_check(
        self,
        conn: Any,
        post: ClaimedPost,
        check_index: int,
        baseline: Baseline,
        views: int,
        previous: Sequence[Snapshot],
        pace: float | None,
        now: datetime,
    ) -> CheckInsight:
        """A recorded check's insight, in its transaction: the snapshot's viral_score (its ratio) and the
        projection made at it are stored."""
        age_hours = _hours(post.posted_at, now)
        standing = baseline.standing(
            check_offset(post.check_schedule, post.posted_at, check_index), age_hours, views
        )
        if standing.ratio is not None:
            await db_baselines.set_viral_score(conn, post.id, check_index, standing.ratio)
        projection = None
        # Fitted to every snapshot of the post up to this one, as /analytics fits it (of_post), and like it
        # only before 30 days: from then on the 30-day figure is measured, not projected.
        if age_hours is not None and age_hours < MONTH_HOURS:
            points = [*_points(post.posted_at, previous), Point(age_hours, views)]
            projection = project(points, _tau(baseline.curve))
        view = None
        if projection is not None and age_hours is not None:
            view = _projected(projection)
            await db_baselines.store_projection(
                conn,
                post.id,
                db_baselines.StoredProjection(
                    check_index,
                    now,
                    age_hours,
                    view.basis,
                    (view.views_7d, view.low_7d, view.high_7d),
                    (view.views_30d, view.low_30d, view.high_30d),
                ),
            )
        return CheckInsight(
            standing=standing,
            projection=view,
            eta=_eta(projection, age_hours or 0.0, views),
            viral=_viral(standing, views, pace, previous),
        )

    async def of_post(self, post: PostRecord, snaps: Sequence[Snapshot]) -> PostInsight | None:
        """/analytics' insight from the post's snapshots and what is stored (no API call: the check-backs
        keep the account's curve fresh)."""
        if not snaps:
            return None
        latest = snaps[-1]
        posted = post.posted_at
        age_hours = _hours(posted, latest.captured_at)
        check_age = (
            latest.scheduled_for - posted
            if posted is not None and latest.check_index and latest.scheduled_for is not None
            else None
        )
        if check_age is None and age_hours is not None:
            check_age = timedelta(hours=round(age_hours))
        label = format_offset(round(check_age.total_seconds())) if check_age is not None else None
        baseline = await self.baseline(
            post.id, post.account_id, post.external_post_id, check_age, fetch=False
        )
        standing = baseline.standing(label, age_hours, latest.views)
        projection, eta = None, None
        if posted is not None and age_hours is not None and age_hours < MONTH_HOURS:
            fitted = project(_points(posted, snaps), _tau(baseline.curve))
            projection = _projected(fitted, posted=posted) if fitted is not None else None
            since = _hours(latest.captured_at, self.clock.now()) or 0.0
            eta = _eta(fitted, age_hours, latest.views, since=since)
        async with self.pool.acquire() as conn:
            made = await db_baselines.projections_of(conn, post.id)
        return PostInsight(
            standing=standing, projection=projection, eta=eta, accuracy=_accuracy(made, snaps, posted)
        )


def _curve(stored: db_baselines.CurvePoints | None, video_id: str) -> AccountCurve | None:
    """The account's curve from its stored videos, the post itself left out."""
    if stored is None:
        return None
    points = [
        Point(age, views)
        for vid, age, views in zip(stored.video_ids, stored.ages_hours, stored.views, strict=True)
        if vid != video_id
    ]
    return fit_account_curve(points[:CURVE_VIDEOS])


def _points(posted: datetime | None, snaps: Sequence[Snapshot]) -> list[Point]:
    """The snapshots' views at the post's age (hours) when taken: what a projection is fitted to."""
    return [Point(h, s.views) for s in snaps if (h := _hours(posted, s.captured_at)) is not None]


def _tau(curve: AccountCurve | None) -> float | None:
    return curve.tau_hours if curve is not None else None


def _eta(p: Projection | None, age_hours: float, views: int, *, since: float = 0.0) -> MilestoneEta | None:
    """The next milestone's ETA, from the snapshot of `views` at `age_hours` (projection.milestone_eta: only a
    near one), counted from `since` hours after that snapshot; None when the projected pace has it passed by
    then (the next check will tell). A clock behind the snapshot counts from the snapshot."""
    eta = milestone_eta(p, age_hours, views, MILESTONES)
    if eta is None:
        return None
    wait = eta.hours - max(0.0, since)
    return MilestoneEta(milestone=eta.milestone, hours=round(wait, 1)) if wait >= 0 else None


def _projected(p: Projection, *, posted: datetime | None = None) -> ProjectedViews:
    """The projection's figures; with `posted`, its path for the chart (from its age to 30 days)."""
    week, month = p.at(WEEK_HOURS), p.at(MONTH_HOURS)
    path = []
    if posted is not None:
        start = max(p.age_hours, 1.0)
        for i in range(PATH_POINTS + 1):
            hours = start * (MONTH_HOURS / start) ** (i / PATH_POINTS)
            mid, low, high = p.at(hours)
            path.append(ProjectedPoint(at=posted + timedelta(hours=hours), views=mid, low=low, high=high))
    return ProjectedViews(
        basis="curve" if p.basis == "curve" else "decay",
        age_hours=round(p.age_hours, 2),
        views_7d=week[0],
        low_7d=week[1],
        high_7d=week[2],
        views_30d=month[0],
        low_30d=month[1],
        high_30d=month[2],
        path=path,
    )


def _viral(
    standing: Standing, views: int, pace: float | None, previous: Sequence[Snapshot]
) -> dict[str, Any] | None:
    """The viral reason: the post at VIRAL_FACTOR times its account's typical at this age (the baseline of
    its standing), else its own pace jumping (bot/growth.viral_reason)."""
    if views >= VIRAL_MIN_VIEWS and standing.ratio is not None and standing.ratio >= VIRAL_FACTOR:
        return {
            "reason": "account_median" if standing.basis == "tracked" else "account_curve",
            "median_views": standing.typical_views,
            "peers": standing.sample,
            "ratio": round(standing.ratio, 1),
        }
    return viral_reason(views, pace, previous, None, 0)


def _accuracy(
    made: Sequence[db_baselines.StoredProjection], snaps: Sequence[Snapshot], posted: datetime | None
) -> list[ProjectionCheck]:
    """The early projection (made nearest 24 h of age) against the views reached at 7 and 30 days, for the
    horizons the post has reached (a snapshot within 10% of that age)."""
    early = [m for m in made if m.age_hours <= LATEST_EARLY_HOURS]
    if posted is None or not early:
        return []
    first = min(early, key=lambda m: abs(m.age_hours - EARLY_HOURS))
    checks = []
    for horizon, hours, figures in (("7d", WEEK_HOURS, first.week), ("30d", MONTH_HOURS, first.month)):
        near = [s for s in snaps if abs((_hours(posted, s.captured_at) or 0) - hours) <= hours * SAME_AGE]
        if not near:
            continue
        actual = min(near, key=lambda s: abs((_hours(posted, s.captured_at) or 0) - hours)).views
        checks.append(
            ProjectionCheck(
                made_at_hours=round(first.age_hours, 1),
                horizon=horizon,  # type: ignore[arg-type]
                projected=figures[0],
                low=figures[1],
                high=figures[2],
                actual=actual,
            )
        )
    return checks
