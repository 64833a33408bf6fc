"""The simulator's world: videos and accounts, their growth over time, all a pure function of ids, usernames
and the clock, so two runs agree.

Conventions: a video id ending in 404 is deleted and one ending in 403 is private; a username ending in 404
does not exist and one ending in 403 is private. An unregistered video id was published at
`epoch - (hash(id) % 3600 s)`, so a fresh sandbox post is young and its check-back schedule plays out.
An account first seen through the API has IMPLICIT_VIDEOS past videos, published at its favourite hours.
Each account's spread of views, publishing habits, hashtags and sounds are in habits.py; `seed` gives
another world, the same in every run.
"""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.clock import Clock, SystemClock
from bot.sandbox.metrics.habits import Habits, Sound, habits_of, stable_int

VideoState = Literal["public", "deleted", "private"]
IMPLICIT_VIDEOS = 24  # past videos of an account first seen through the API (enough for a baseline)


@dataclass(frozen=True, slots=True)
class Metrics:
    """A video's numbers at one moment."""

    views: int
    likes: int
    comments: int
    shares: int
    saves: int
    downloads: int


@dataclass(frozen=True, slots=True)
class SimReply:
    """A reply to a comment; `by_creator`: written by the video's own account."""

    text: str
    at: datetime
    username: str
    by_creator: bool = False


@dataclass(slots=True)
class SimComment:
    """A comment of the simulator's (bot/sandbox/metrics/comments.py)."""

    comment_id: str
    text: str
    at: datetime
    username: str
    likes: int = 0
    replies: list[SimReply] = field(default_factory=list)


@dataclass(slots=True)
class SimVideo:
    """A video the simulator knows, with the parameters of its growth curve."""

    video_id: str
    published_at: datetime
    username: str
    title: str
    duration: int
    sound: Sound
    comment_total: int = 120
    state: VideoState = "public"
    # Growth: views(h) = views_30d * log1p(h / tau_hours) / log1p(720 / tau_hours), for h hours since publish.
    views_30d: float = 0.0
    tau_hours: float = 6.0
    like_frac: float = 0.05
    comment_frac: float = 0.004
    share_frac: float = 0.006
    save_frac: float = 0.01
    download_frac: float = 0.002
    # New comments an hour after publishing, and comments a test added (bot/sandbox/metrics/comments.py).
    fresh_per_hour: float = 0.0
    added_comments: list[SimComment] = field(default_factory=list)

    def metrics_at(self, when: datetime) -> Metrics:
        """The numbers at `when`: 0 before publishing, then non-decreasing and saturating in time."""
        hours = max(0.0, (when - self.published_at).total_seconds() / 3600)
        views = int(self.views_30d * math.log1p(hours / self.tau_hours) / math.log1p(720 / self.tau_hours))
        # Each count is a fixed fraction of views, floored: monotone because views is.
        return Metrics(
            views=views,
            likes=int(views * self.like_frac),
            comments=int(views * self.comment_frac),
            shares=int(views * self.share_frac),
            saves=int(views * self.save_frac),
            downloads=int(views * self.download_frac),
        )


@dataclass(slots=True)
class SimAccount:
    """An account: profile, follower curve, and its videos (ids, in the order added)."""

    username: str
    user_id: str
    nickname: str
    signature: str = ""
    followers: int = 1000
    following: int = 100
    verified: bool = False
    private: bool = False
    exists: bool = True
    videos: list[str] = field(default_factory=list)


class SimWorld:
    """The videos and accounts the simulated API knows, on `clock`; `epoch` is when the world began."""

    def __init__(self, clock: Clock | None = None, *, seed: int = 0) -> None:
        self.clock: Clock = clock or SystemClock()
        self.seed = seed
        self.epoch = self.clock.now()
        self._habits: dict[str, Habits] = {}
        self._videos: dict[str, SimVideo] = {}
        self._accounts: dict[str, SimAccount] = {}
        self._short_links: dict[str, str] = {}
        # New comments an hour on every video made from now on (0: none; the sandbox sets some).
        self.fresh_comments_per_hour = 0.0

    # --- the world: videos and accounts -------------------------------------------------------------
    def add_video(
        self,
        video_id: str | int,
        published_at: datetime | None = None,
        *,
        username: str | None = None,
        title: str | None = None,
        duration: int | None = None,
        comments: int = 120,
        views_30d: float | None = None,
    ) -> SimVideo:
        """Register a video (published now unless told); it is listed in its account's posts."""
        vid = str(video_id)
        if not vid.isdigit():
            raise ValueError("a TikTok video id is digits only")
        when = published_at or self.clock.now()
        if when.tzinfo is None:
            raise ValueError("published_at must be timezone-aware")
        video = self._make_video(vid, when.astimezone(UTC), username, title, duration, comments)
        if views_30d is not None:
            video.views_30d = views_30d
        old = self._videos.get(vid)
        if old is not None and old.username in self._accounts:
            with contextlib.suppress(ValueError):
                self._accounts[old.username].videos.remove(vid)
        self._videos[vid] = video
        self.account(video.username, implicit=False).videos.append(vid)
        return video

    def video(self, video_id: str | int, username: str | None = None) -> SimVideo:
        """The video as the API would see it (registered now if it was not, published just before the
        epoch, by `username` when the link named one)."""
        vid = str(video_id)
        video = self._videos.get(vid)
        if video is None:
            published = self.epoch - timedelta(seconds=stable_int("published", vid) % 3600)
            video = self._make_video(vid, published, username, None, None, 120)
            self._videos[vid] = video
            self.account(video.username, implicit=False).videos.append(vid)
        return video

    def all_videos(self) -> list[SimVideo]:
        return list(self._videos.values())

    def knows(self, video_id: str) -> bool:
        return video_id in self._videos

    def short_link(self, code: str) -> str | None:
        """The video id vm.tiktok.com/<code> was made to resolve to, if any."""
        return self._short_links.get(code)

    def delete_video(self, video_id: str | int) -> None:
        self.video(video_id).state = "deleted"

    def make_private(self, video_id: str | int) -> None:
        self.video(video_id).state = "private"

    def make_public(self, video_id: str | int) -> None:
        self.video(video_id).state = "public"

    def metrics_at(self, video_id: str | int, when: datetime | None = None) -> Metrics:
        """What the API would say about the video's numbers at `when` (default: now)."""
        return self.video(video_id).metrics_at(when or self.clock.now())

    def add_short_link(self, code: str, video_id: str | int) -> str:
        """Make vm.tiktok.com/<code> resolve to `video_id`; returns the short link."""
        self._short_links[code] = str(video_id)
        return f"https://vm.tiktok.com/{code}/"

    def add_account(
        self,
        username: str,
        *,
        nickname: str | None = None,
        signature: str | None = None,
        followers: int | None = None,
        following: int | None = None,
        verified: bool = False,
        private: bool = False,
        videos: int = 0,
        every: timedelta = timedelta(days=1),
        habitual: bool = False,
    ) -> SimAccount:
        """Register an account, with `videos` past videos published `every` apart before the epoch (or, when
        `habitual`, about that often at the account's favourite hours and days)."""
        account = self.account(username, implicit=False)
        if nickname is not None:
            account.nickname = nickname
        if signature is not None:
            account.signature = signature
        if followers is not None:
            account.followers = followers
        if following is not None:
            account.following = following
        account.verified, account.private, account.exists = verified, private, True
        if habitual:
            times = self.habits(username).publishing_times(
                self.epoch, videos, per_day=timedelta(days=1) / every
            )
        else:
            times = [self.epoch - every * (i + 1) for i in range(videos)]
        for when in times:
            self.add_video(self._new_video_id(username), when, username=username)
        return account

    def remove_account(self, username: str) -> None:
        """The account stops existing (user info and posts answer code -1)."""
        self.account(username, implicit=False).exists = False

    def schedule_videos(
        self, username: str, count: int, *, every: timedelta, start: datetime | None = None
    ) -> list[str]:
        """An account that publishes over time: `count` videos from `start` (default now + every), `every`
        apart. Each is unknown to the API until its time comes on `sim.clock`. Returns their ids."""
        first = start or self.clock.now() + every
        ids = []
        for i in range(count):
            vid = self._new_video_id(username)
            self.add_video(vid, first + every * i, username=username)
            ids.append(vid)
        return ids

    def schedule_habitual(
        self, username: str, count: int, *, per_day: float, after: datetime | None = None
    ) -> list[str]:
        """An account that publishes over time at its favourite hours and days, about `per_day` a day:
        `count` videos after `after` (default now), each unknown to the API until its time. Returns their ids."""
        ids = []
        for when in self.habits(username).next_times(after or self.clock.now(), count, per_day=per_day):
            vid = self._new_video_id(username)
            self.add_video(vid, when, username=username)
            ids.append(vid)
        return ids

    def _make_video(
        self,
        vid: str,
        published_at: datetime,
        username: str | None,
        title: str | None,
        duration: int | None,
        comments: int,
    ) -> SimVideo:
        rng = random.Random(stable_int("growth", self.seed, vid))
        state: VideoState = (
            "deleted" if vid.endswith("404") else "private" if vid.endswith("403") else "public"
        )
        author = username or f"creator{stable_int('author', vid) % 1000:03d}"
        views_30d, tags, sound = self.habits(author).video_traits(vid, published_at)
        return SimVideo(
            video_id=vid,
            published_at=published_at,
            username=author,
            title=title or f"Simulated video {vid[-6:]} " + " ".join(f"#{t}" for t in tags),
            duration=duration or rng.randint(7, 180),
            sound=sound,
            comment_total=comments,
            state=state,
            views_30d=views_30d,
            tau_hours=rng.uniform(2.0, 24.0),
            like_frac=rng.uniform(0.03, 0.12),
            comment_frac=rng.uniform(0.001, 0.01),
            share_frac=rng.uniform(0.001, 0.02),
            save_frac=rng.uniform(0.002, 0.03),
            download_frac=rng.uniform(0.0005, 0.005),
            fresh_per_hour=self.fresh_comments_per_hour,
        )

    def habits(self, username: str) -> Habits:
        """The account's habits (level of views, favourite hours and days, hashtags, sounds)."""
        found = self._habits.get(username)
        if found is None:
            found = self._habits[username] = habits_of(username, self.seed)
        return found

    def account(self, username: str, *, implicit: bool = True) -> SimAccount:
        """The account; a new one seen first by an API request (`implicit`) gets IMPLICIT_VIDEOS past videos,
        published at its favourite hours over the weeks before the epoch."""
        account = self._accounts.get(username)
        if account is None:
            h = stable_int("account", username)
            account = SimAccount(
                username=username,
                user_id=str(6_900_000_000_000_000_000 + h % 10**17),
                nickname=username.replace("_", " ").replace(".", " ").title(),
                signature=f"Simulated creator @{username}",
                followers=10 ** (2 + h % 5) + h % 997,
                following=h % 800,
                private=username.endswith("403"),
                exists=not username.endswith("404"),
            )
            self._accounts[username] = account
            if implicit and account.exists:
                for when in self.habits(username).publishing_times(self.epoch, IMPLICIT_VIDEOS):
                    self.add_video(self._new_video_id(username), when, username=username)
        return account

    def account_by_id(self, user_id: str) -> SimAccount | None:
        return next((a for a in self._accounts.values() if a.user_id == user_id), None)

    def _new_video_id(self, username: str) -> str:
        n = 0
        while True:
            vid = str(7_300_000_000_000_000_000 + stable_int("video", username, n) % 10**17)
            if vid not in self._videos and not vid.endswith(("403", "404")):
                return vid
            n += 1

    def visible_videos(self, account: SimAccount, now: datetime) -> list[SimVideo]:
        videos = [self._videos[v] for v in account.videos if v in self._videos]
        shown = [
            v
            for v in videos
            if v.state == "public" and v.published_at <= now and v.username == account.username
        ]
        return sorted(shown, key=lambda v: v.published_at, reverse=True)
