"""Growth arithmetic, written once for the tracking service, the check-back runner and the analytics:
views per hour between two snapshots, a check's label, a post's snapshots with their growth, and the view
milestones and viral jumps the channel is told about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.schedule import format_offset
from bot.tracking_models import Metrics, SnapshotView
from bot.watch_models import AccountNumbers, AccountSnapshotView
from db.account_snapshots import AccountSnapshot
from db.posts import PostRecord
from db.snapshots import Snapshot

MILESTONES = (10_000, 100_000, 1_000_000, 10_000_000)
# A post is viral at 3x the median of its account's other posts at the same check (with at least
# VIRAL_MIN_PEERS of them), or when its views/hour jump to 3x its previous pace; below VIRAL_MIN_VIEWS
# views neither says anything.
VIRAL_FACTOR = 3.0
VIRAL_MIN_PEERS = 3
VIRAL_MIN_VIEWS = 1_000


def views_per_hour(views: int, since_views: int, start: datetime | None, end: datetime) -> float | None:
    """Views gained per hour from `start` (at `since_views`) to `end` (at `views`); never negative, None
    when there is no start or no time between them."""
    if start is None:
        return None
    hours = (end - start).total_seconds() / 3600
    if hours <= 0:
        return None
    return max(0, views - since_views) / hours


def check_offset(schedule: Sequence[datetime], posted_at: datetime | None, check_index: int) -> str | None:
    """Check `check_index`'s (1-based) offset from publishing, e.g. "24h"; None when it cannot be told."""
    if posted_at is None or not 0 < check_index <= len(schedule):
        return None
    return format_offset(round((schedule[check_index - 1] - posted_at).total_seconds()))


def check_label(post: PostRecord | None, check_index: int | None, captured_at: datetime | None = None) -> str:
    """ "at tracking" for the first snapshot, the check's offset ("24h"), or "check N"; a snapshot the original
    system took (no check index) is labelled by the post's age when taken, to the hour ("orig 1d2h")."""
    if check_index is None:
        if post is None or post.posted_at is None or captured_at is None:
            return "original"
        hours = max(0, round((captured_at - post.posted_at).total_seconds() / 3600))
        return f"orig {format_offset(hours * 3600)}" if hours else "orig 0h"
    if check_index == 0:
        return "at tracking"
    offset = check_offset(post.check_schedule, post.posted_at, check_index) if post is not None else None
    return offset or f"check {check_index}"


# A check taken this much later than scheduled says when it really was ("1h, at 1h 40m").
LATE_LABEL = timedelta(minutes=10)


def _labelled_with_age(post: PostRecord, snap: Snapshot) -> str:
    label = check_label(post, snap.check_index, snap.captured_at)
    if snap.check_index and post.posted_at is not None and snap.scheduled_for is not None:
        if snap.captured_at - snap.scheduled_for >= LATE_LABEL:
            age = round((snap.captured_at - post.posted_at).total_seconds() / 60) * 60
            label += f", at {format_offset(age)}"
    return label


def snapshot_views(post: PostRecord, snaps: Sequence[Snapshot]) -> list[SnapshotView]:
    out: list[SnapshotView] = []
    prev: Snapshot | None = None
    for snap in snaps:
        metrics = Metrics.of(snap)
        if prev is None:
            growth = None
            pace = views_per_hour(snap.views, 0, post.posted_at, snap.captured_at)
        else:
            growth = metrics.minus(Metrics.of(prev))
            pace = views_per_hour(snap.views, prev.views, prev.captured_at, snap.captured_at)
        out.append(
            SnapshotView(
                check_index=snap.check_index,
                label=_labelled_with_age(post, snap),
                captured_at=snap.captured_at,
                scheduled_for=snap.scheduled_for,
                metrics=metrics,
                growth=growth,
                views_per_hour=pace,
                engagement_rate=metrics.engagement_rate,
            )
        )
        prev = snap
    return out


def milestones_crossed(before: int | None, views: int) -> list[int]:
    """The MILESTONES passed since the previous snapshot (`before` views; None: there is none, so none)."""
    if before is None:
        return []
    return [mark for mark in MILESTONES if before < mark <= views]


def viral_reason(
    views: int, pace: float | None, previous: Sequence[Snapshot], median: float | None, peers: int
) -> dict[str, Any] | None:
    """Why the post is viral now, or None: its `views` against the `median` of its account's `peers` at the
    same check, else its `pace` (views/hour since the last snapshot) against the pace between the two
    `previous` snapshots before it."""
    if views < VIRAL_MIN_VIEWS:
        return None
    if median is not None and peers >= VIRAL_MIN_PEERS and median > 0 and views >= VIRAL_FACTOR * median:
        return {
            "reason": "account_median",
            "median_views": round(median),
            "peers": peers,
            "ratio": round(views / median, 1),
        }
    if pace is not None and len(previous) >= 2:
        a, b = previous[-2], previous[-1]
        before = views_per_hour(b.views, a.views, a.captured_at, b.captured_at)
        if before is not None and before > 0 and pace >= VIRAL_FACTOR * before:
            return {
                "reason": "pace",
                "views_per_hour": round(pace, 1),
                "previous_views_per_hour": round(before, 1),
                "ratio": round(pace / before, 1),
            }
    return None


def account_snapshot_views(snaps: Sequence[AccountSnapshot]) -> list[AccountSnapshotView]:
    """An account's snapshots, each with its growth since the one before."""
    views: list[AccountSnapshotView] = []
    for snap in snaps:
        numbers = AccountNumbers.of(snap)
        growth = numbers.minus(views[-1].numbers) if views else None
        views.append(AccountSnapshotView(captured_at=snap.captured_at, numbers=numbers, growth=growth))
    return views


def followers_per_day(snaps: Sequence[AccountSnapshot]) -> float | None:
    """Followers gained per day from the first snapshot to the last; None over less than a day (a rate
    over minutes says nothing about a day) or when either count is unknown."""
    if len(snaps) < 2 or snaps[0].followers is None or snaps[-1].followers is None:
        return None
    days = (snaps[-1].captured_at - snaps[0].captured_at).total_seconds() / 86400
    return (snaps[-1].followers - snaps[0].followers) / days if days >= 1 else None
