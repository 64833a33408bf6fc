"""Two posts side by side, aligned by age (/compare, `python -m bot compare`): each post's snapshots at
their hours since publishing, and their check-backs row by row. Discord-free.

Posts published days apart are compared at the same age, not the same time: "how was B doing at 24 h,
when A had 80k?" is the question. A row is a check-back's offset from publishing ("24h"), so the two posts'
24-hour checks share a row even when one was taken late; a snapshot that answers no scheduled check (the
one taken at tracking, or one of the original system's) gets the row of its own age, to the hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import InvalidInput
from bot.schedule import format_offset
from bot.tracking import TrackingService
from bot.tracking_models import PostAnalytics, PostSummary, SnapshotView

SAME_POST = "Pick two different posts to compare."


def no_publish_time(post_id: int) -> str:
    return f"#{post_id} has no publish time, so it cannot be lined up by age."


@dataclass(frozen=True, slots=True)
class AgedSnapshot:
    """A snapshot and the post's age when it was taken."""

    hours: float  # since publishing
    snapshot: SnapshotView


@dataclass(frozen=True, slots=True)
class ComparedPost:
    analytics: PostAnalytics
    aged: list[AgedSnapshot]  # oldest first

    @property
    def post(self) -> PostSummary:
        return self.analytics.post

    @property
    def latest(self) -> AgedSnapshot | None:
        return self.aged[-1] if self.aged else None


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One age, and each post's snapshot there (None: that post has none at this age)."""

    age: str  # "24h", "1d6h"
    seconds: int  # the age in seconds, the rows' order
    a: SnapshotView | None
    b: SnapshotView | None


@dataclass(frozen=True, slots=True)
class Comparison:
    a: ComparedPost
    b: ComparedPost
    rows: list[CheckRow]  # youngest first

    @property
    def latest_shared(self) -> CheckRow | None:
        """The oldest age at which both posts have a snapshot: where they are compared like for like."""
        both = [r for r in self.rows if r.a is not None and r.b is not None]
        return both[-1] if both else None


class CompareService:
    """Reads two posts the guild tracks (through the tracking service, which decides what it may see)."""

    def __init__(self, tracking: TrackingService) -> None:
        self.tracking = tracking

    async def compare(
        self, guild_id: int | None, post_a: int, post_b: int, *, all_guilds: bool = False
    ) -> Comparison:
        """Posts `post_a` and `post_b` aligned by age. Raises PostNotFound for a post the guild does not
        track, InvalidInput for the same post twice or a post with no publish time."""
        if post_a == post_b:
            raise InvalidInput(SAME_POST)
        a = await self.tracking.analytics(guild_id, post_a, all_guilds=all_guilds)
        b = await self.tracking.analytics(guild_id, post_b, all_guilds=all_guilds)
        return align(a, b)


def align(a: PostAnalytics, b: PostAnalytics) -> Comparison:
    """Two posts' analytics aligned by age (InvalidInput for a post with no publish time)."""
    return Comparison(a=_aged(a), b=_aged(b), rows=_rows(a, b))


def _aged(analytics: PostAnalytics) -> ComparedPost:
    posted_at = _published(analytics)
    aged = [AgedSnapshot(_hours(s.captured_at, posted_at), s) for s in analytics.snapshots]
    return ComparedPost(analytics=analytics, aged=aged)


def _published(analytics: PostAnalytics) -> datetime:
    if analytics.post.posted_at is None:
        raise InvalidInput(no_publish_time(analytics.post.id))
    return analytics.post.posted_at


def _hours(when: datetime, posted_at: datetime) -> float:
    return max(0.0, (when - posted_at).total_seconds() / 3600)


def _row_age(snapshot: SnapshotView, posted_at: datetime) -> tuple[int, bool]:
    """(seconds, scheduled): a scheduled check's offset (to the minute), else the age to the hour."""
    if snapshot.check_index and snapshot.scheduled_for is not None:
        return round((snapshot.scheduled_for - posted_at).total_seconds() / 60) * 60, True
    return round(_hours(snapshot.captured_at, posted_at)) * 3600, False


def _by_age(analytics: PostAnalytics) -> dict[int, SnapshotView]:
    """The post's snapshots by row age; where two share an age, the scheduled check's (it is the one the
    other post's same check lines up with), else the later one."""
    posted_at = _published(analytics)
    out: dict[int, tuple[SnapshotView, bool]] = {}
    for snapshot in analytics.snapshots:
        seconds, scheduled = _row_age(snapshot, posted_at)
        held = out.get(seconds)
        if held is None or scheduled or not held[1]:
            out[seconds] = (snapshot, scheduled)
    return {seconds: snapshot for seconds, (snapshot, _) in out.items()}


def _rows(a: PostAnalytics, b: PostAnalytics) -> list[CheckRow]:
    by_a, by_b = _by_age(a), _by_age(b)
    return [
        CheckRow(age=format_offset(s) if s else "0h", seconds=s, a=by_a.get(s), b=by_b.get(s))
        for s in sorted(by_a.keys() | by_b.keys())
    ]
