"""What the watch service and the account poller return: watched accounts, their numbers and analytics,
and the outcome of each poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.outcomes import Report
from db.account_snapshots import AccountSnapshot
from db.watches import WatchRecord

PollStatus = Literal["baseline", "polled", "stopped", "postponed", "retry", "superseded"]


class AccountNumbers(BaseModel):
    """An account's counts; `minus` gives growth (None where either side is unknown)."""

    followers: int | None = None
    following: int | None = None
    hearts: int | None = None
    videos: int | None = None

    @classmethod
    def of(cls, snap: AccountSnapshot) -> AccountNumbers:
        return cls(followers=snap.followers, following=snap.following, hearts=snap.hearts, videos=snap.videos)

    def minus(self, other: AccountNumbers) -> AccountNumbers:
        def diff(a: int | None, b: int | None) -> int | None:
            return None if a is None or b is None else a - b

        return AccountNumbers(
            followers=diff(self.followers, other.followers),
            following=diff(self.following, other.following),
            hearts=diff(self.hearts, other.hearts),
            videos=diff(self.videos, other.videos),
        )


class WatchSummary(BaseModel):
    """A watched account as replies and lists show it. `of` reads it from the watch's record: each field
    from the attribute of its name (`active` from `is_active`), the rest from its arguments."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    username: str
    display_name: str | None = None
    active: bool = Field(validation_alias="is_active")
    stopped_reason: str | None = None
    next_poll_at: datetime | None = None
    last_polled_at: datetime | None = None
    last_new_post_at: datetime | None = None
    channel_id: int | None = None
    numbers: AccountNumbers | None = None
    announced: int = 0

    @property
    def status(self) -> str:
        if self.active:
            return "watching"
        return f"stopped ({self.stopped_reason})" if self.stopped_reason else "stopped"

    @classmethod
    def of(
        cls,
        watch: WatchRecord,
        *,
        channel_id: int | None = None,
        latest: AccountSnapshot | None = None,
        announced: int = 0,
    ) -> WatchSummary:
        numbers = AccountNumbers.of(latest) if latest else None
        return cls.model_validate(watch).model_copy(
            update={"channel_id": channel_id, "numbers": numbers, "announced": announced}
        )


class WatchAddResult(BaseModel):
    """What `add` did. `already_watching`: the guild watched the account before (its channel may have
    moved). `baseline_videos`: existing videos recorded without announcing them."""

    watch: WatchSummary
    already_watching: bool = False
    baseline_videos: int = 0


class WatchRemoveResult(BaseModel):
    username: str
    polling_stopped: bool  # no guild watches it any more


class AccountSnapshotView(BaseModel):
    captured_at: datetime
    numbers: AccountNumbers
    growth: AccountNumbers | None = None  # since the previous snapshot


class AccountAnalytics(BaseModel):
    """An account's snapshots over time, for /analytics account: and its chart."""

    username: str
    display_name: str | None = None
    watch: WatchSummary | None = None
    snapshots: list[AccountSnapshotView]
    since_first: AccountNumbers | None = None
    followers_per_day: float | None = None

    @property
    def latest(self) -> AccountNumbers | None:
        return self.snapshots[-1].numbers if self.snapshots else None


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What happened to one claimed watch."""

    watch_id: int
    username: str
    status: PollStatus
    new_videos: int = 0  # found by this poll and recorded as seen
    announced: int = 0  # of those, announced (and tracked) now
    next_poll_at: datetime | None = None
    error: str | None = None  # stopped: why ("private", ...); retry: what failed, in the API's words


@dataclass(slots=True)
class PollReport(Report[PollOutcome]):
    @property
    def announced(self) -> int:
        return sum(o.announced for o in self.outcomes)
