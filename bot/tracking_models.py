"""What the tracking service returns: a post's numbers (Metrics), its snapshots with their growth, and the
results of tracking, untracking, listing and analytics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.errors import CheckbackError
from bot.insight.models import PostInsight
from bot.metrics.models import Video
from db.posts import PostRecord
from db.snapshots import Snapshot


class Metrics(BaseModel):
    """A post's numbers at one moment; `minus` gives the growth between two of them."""

    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    saves: int = 0

    @classmethod
    def of(cls, snap: Snapshot) -> Metrics:
        return cls(
            views=snap.views, likes=snap.likes, comments=snap.comments, shares=snap.shares, saves=snap.saves
        )

    def minus(self, other: Metrics) -> Metrics:
        return Metrics(
            views=self.views - other.views,
            likes=self.likes - other.likes,
            comments=self.comments - other.comments,
            shares=self.shares - other.shares,
            saves=self.saves - other.saves,
        )

    @property
    def engagement_rate(self) -> float | None:
        """(likes + comments + shares) / views; None with no views."""
        return (self.likes + self.comments + self.shares) / self.views if self.views else None


class SnapshotView(BaseModel):
    """One snapshot with its growth since the one before."""

    check_index: int | None  # None: taken by the original system, before the upgrade
    label: str  # "at tracking", the check's offset from publishing ("24h"), or "orig 1d2h" (its age)
    captured_at: datetime
    scheduled_for: datetime | None = None
    metrics: Metrics
    growth: Metrics | None = None  # since the previous snapshot
    views_per_hour: float | None = None  # since the previous snapshot (the first: since publishing)
    engagement_rate: float | None = None


class PostSummary(BaseModel):
    """A tracked post as lists and replies show it. `of` reads it from the post's record: each field from
    the attribute of its name, or of its validation alias where the record names it otherwise; the count
    of checks and the latest numbers it sets itself."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    video_id: str = Field(validation_alias="external_post_id")
    url: str = Field(validation_alias="post_url")
    author: str = Field(validation_alias="username")
    caption: str | None = None
    posted_at: datetime | None = None
    checks_completed: int = 0
    checks_total: int = 0
    next_check_at: datetime | None = None
    tracking_complete: bool = False
    stopped_reason: str | None = Field(default=None, validation_alias="tracking_stopped_reason")
    latest: Metrics | None = None
    last_checked_at: datetime | None = None
    checks_dropped: int = 0  # planned checks shed for the API budget (bot/shedding.py)

    @property
    def status(self) -> str:
        if self.stopped_reason:
            missed = self.checks_total - self.checks_completed
            if self.stopped_reason == "untracked" or missed <= 0:
                return f"stopped ({self.stopped_reason})"
            return f"stopped ({self.stopped_reason}); {missed} check-back{'s' if missed != 1 else ''} missed"
        if self.tracking_complete:
            return "complete"
        return "active" if self.next_check_at is not None else "stopped"

    @classmethod
    def of(cls, post: PostRecord, latest: Metrics | None = None) -> PostSummary:
        summary = cls.model_validate(post)
        return summary.model_copy(update={"checks_total": len(post.check_schedule), "latest": latest})


class TrackResult(BaseModel):
    """What `track` did. `already_tracked`: the guild tracked the post before; nothing changed."""

    post: PostSummary
    snapshot: SnapshotView | None = None
    already_tracked: bool = False
    skipped_checks: int = 0  # offsets already past when tracking started


@dataclass(frozen=True)
class LinkOutcome:
    """One link of a /track with several: its result, or the error that refused it (nothing changed)."""

    link: str
    result: TrackResult | None = None
    error: CheckbackError | None = None


class UntrackResult(BaseModel):
    post: PostSummary
    tracking_stopped: bool  # no guild tracks it any more, so its check-backs stopped


class PostPage(BaseModel):
    """One page of a listing; pass `next_cursor` as `before` for the next page (None: the last page)."""

    items: list[PostSummary]
    next_cursor: int | None = None
    status: str = "active"


class PostChoice(BaseModel):
    """An autocomplete choice: what its label shows (bot/render/posts.py `choice_label`)."""

    id: int
    username: str
    video_id: str
    caption: str | None = None


class PostAnalytics(BaseModel):
    post: PostSummary
    snapshots: list[SnapshotView]
    since_first: Metrics | None = None
    since_previous: Metrics | None = None
    views_per_hour: float | None = None  # the latest pace
    engagement_rate: float | None = None  # of the latest snapshot
    insight: PostInsight | None = None  # vs the account's typical, projection (bot/insight/)


def video_metrics(video: Video) -> Metrics:
    """The API's fields mapped as the original did: digg→likes, play→views, collect→saves."""
    return Metrics(
        views=video.play_count or 0,
        likes=video.digg_count or 0,
        comments=video.comment_count or 0,
        shares=video.share_count or 0,
        saves=video.collect_count or 0,
    )
