"""A local tiktok-scraper7 simulator: same routes and JSON shapes, deterministic data, injectable faults.

Tests, benchmarks and the sandbox point the metrics client at it. Everything it answers is a pure function
of ids, usernames, keywords and its clock (`sim.clock`), so two runs agree; faults come from a seeded
random.Random, so a test that injects them is reproducible.

Conventions: a video id ending in 404 is deleted and one ending in 403 is private; a username ending in 404
does not exist and one ending in 403 is private. An unregistered video id was published at
`sim.epoch - (hash(id) % 3600 s)`, so a fresh sandbox post is young and its check-back schedule plays out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web

from bot.clock import Clock, SystemClock

ROUTES = (
    "/",
    "/comment/list",
    "/user/info",
    "/user/posts",
    "/user/search",
    "/feed/search",
    "/challenge/search",
)
VideoState = Literal["public", "deleted", "private"]
Fault = Literal["timeout", "error", "429", "limit", "quota"]

URL_FAILED = "Url parsing is failed! Please check url."
PRIVATE_VIDEO = "This video is private or unavailable."
PROVIDER_LIMIT = "Free Api Limit: 1 request/second."
MONTHLY_QUOTA = "You have exceeded the MONTHLY quota for Requests on your current plan, BASIC."
CDN = "https://cdn.sim.invalid"  # .invalid never resolves: nothing can fetch these by accident

_VIDEO_PATH_RE = re.compile(r"/(?:video|photo)/(\d{1,25})")
_USER_IN_URL_RE = re.compile(r"/@([A-Za-z0-9_.]{1,24})/")
_SHORT_RE = re.compile(r"^(?:https?://)?(?:vm|vt)\.tiktok\.com/([A-Za-z0-9]+)/?", re.IGNORECASE)
_COMMENT_WORDS = (
    "love this",
    "what gauge wire is that?",
    "tutorial please",
    "first!",
    "this is so satisfying",
    "how long did it take?",
    "the music choice though",
    "saved for later",
    "where did you buy it?",
    "underrated",
)


def stable_int(*parts: object) -> int:
    """A hash of `parts` that is the same in every process (Python's hash() is salted per process)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True, slots=True)
class Metrics:
    """A video's numbers at one moment."""

    views: int
    likes: int
    comments: int
    shares: int
    saves: int
    downloads: int


@dataclass(slots=True)
class SimVideo:
    """A video the simulator knows, with the parameters of its growth curve."""

    video_id: str
    published_at: datetime
    username: str
    title: str
    duration: int
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


@dataclass(frozen=True, slots=True)
class SimRequest:
    """One request as the simulator saw it: arrival (time.monotonic()), route, and the status answered."""

    at: float
    route: str
    status: int


class _Bucket:
    """The simulator's own rate limit: a plain token bucket that answers yes or no, never waits."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = time.monotonic()

    def take(self) -> float:
        """0 when a token was taken; otherwise the seconds until one will be there."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class MetricsSimulator:
    """An aiohttp server on 127.0.0.1 speaking tiktok-scraper7's routes and JSON.

    Knobs, all settable while it runs:
      latency        seconds added to each answer, or a callable(route) -> seconds
      error_rate     fraction of requests answered 503
      rate_429       fraction answered 429 with Retry-After: `retry_after`
      timeout_rate   fraction that hang for `hang_seconds` (longer than any client timeout)
      limit_rate     fraction answered HTTP 200, code -1, msg "...Limit..." (the provider's own throttle)
      rate_limit     its own requests/s token bucket (burst `rate_limit_burst`); past it 429 like RapidAPI
      require_key    None, or the x-rapidapi-key it demands: 401 without one, 403 with another
    `fail_next(n, kind)` queues faults for the next n requests, before the random ones.
    Counters: `calls`, `calls_by_route`, `sent_429`, `rate_limited`, `sent_errors`, `sent_timeouts`,
    `sent_rejected`, `max_in_flight`, and `requests` (a log of SimRequest).
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        latency: float | Callable[[str], float] = 0.0,
        error_rate: float = 0.0,
        rate_429: float = 0.0,
        timeout_rate: float = 0.0,
        limit_rate: float = 0.0,
        retry_after: float = 1.0,
        hang_seconds: float = 60.0,
        rate_limit: float | None = None,
        rate_limit_burst: float | None = None,
        require_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        log_size: int = 100_000,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.epoch = self.clock.now()
        self.rng = random.Random(seed)
        self.latency = latency
        self.error_rate = error_rate
        self.rate_429 = rate_429
        self.timeout_rate = timeout_rate
        self.limit_rate = limit_rate
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.require_key = require_key
        self.host = host
        self.port = port
        self._bucket: _Bucket | None = None
        self._rate_limit: float | None = None
        self._rate_limit_burst = rate_limit_burst
        self.rate_limit = rate_limit
        self._videos: dict[str, SimVideo] = {}
        self._accounts: dict[str, SimAccount] = {}
        self._short_links: dict[str, str] = {}
        self._forced: deque[Fault | int] = deque()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url: str | None = None
        self.requests: deque[SimRequest] = deque(maxlen=log_size)
        self.in_flight = 0
        self.reset_counters()

    # --- knobs and counters ------------------------------------------------------------------------
    @property
    def rate_limit(self) -> float | None:
        return self._rate_limit

    @rate_limit.setter
    def rate_limit(self, rate: float | None) -> None:
        """Requests/s the simulator accepts. Its bucket holds max(5, 50 ms worth) tokens by default: room for
        the jitter of loopback and of a busy event loop, far less than a client bursting would send."""
        self._rate_limit = rate
        if rate is None:
            self._bucket = None
        else:
            burst = self._rate_limit_burst if self._rate_limit_burst is not None else max(5.0, rate * 0.05)
            self._bucket = _Bucket(rate, burst)

    def reset_counters(self) -> None:
        self.calls = 0
        self.calls_by_route: Counter[str] = Counter()
        self.sent_429 = 0
        self.rate_limited = 0
        self.sent_errors = 0
        self.sent_timeouts = 0
        self.sent_rejected = 0
        self.max_in_flight = self.in_flight
        self.requests.clear()

    def counters(self) -> dict[str, Any]:
        """The counters as one plain dict (for benchmarks and logs)."""
        return {
            "calls": self.calls,
            "calls_by_route": dict(self.calls_by_route),
            "sent_429": self.sent_429,
            "rate_limited": self.rate_limited,
            "sent_errors": self.sent_errors,
            "sent_timeouts": self.sent_timeouts,
            "sent_rejected": self.sent_rejected,
            "max_in_flight": self.max_in_flight,
        }

    def fail_next(self, count: int = 1, kind: Fault | int = "error") -> None:
        """The next `count` requests fail this way: "timeout", "error" (503), "429", "limit" (HTTP 200 code -1
        throttle), "quota" (RapidAPI's monthly-quota 429), or an HTTP status."""
        self._forced.extend([kind] * count)

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
        self._account(video.username, implicit=False).videos.append(vid)
        return video

    def video(self, video_id: str | int) -> SimVideo:
        """The video as the API would see it (registered now if it was not)."""
        return self._video(str(video_id))

    def delete_video(self, video_id: str | int) -> None:
        self._video(str(video_id)).state = "deleted"

    def make_private(self, video_id: str | int) -> None:
        self._video(str(video_id)).state = "private"

    def make_public(self, video_id: str | int) -> None:
        self._video(str(video_id)).state = "public"

    def metrics_at(self, video_id: str | int, when: datetime | None = None) -> Metrics:
        """What the API would say about the video's numbers at `when` (default: now)."""
        return self._video(str(video_id)).metrics_at(when or self.clock.now())

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
    ) -> SimAccount:
        """Register an account, with `videos` past videos published `every` apart before the epoch."""
        account = self._account(username, implicit=False)
        if nickname is not None:
            account.nickname = nickname
        if signature is not None:
            account.signature = signature
        if followers is not None:
            account.followers = followers
        if following is not None:
            account.following = following
        account.verified, account.private, account.exists = verified, private, True
        for i in range(videos):
            self.add_video(self._new_video_id(username), self.epoch - every * (i + 1), username=username)
        return account

    def remove_account(self, username: str) -> None:
        """The account stops existing (user info and posts answer code -1)."""
        self._account(username, implicit=False).exists = False

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

    def account(self, username: str) -> SimAccount:
        return self._account(username, implicit=True)

    def _make_video(
        self,
        vid: str,
        published_at: datetime,
        username: str | None,
        title: str | None,
        duration: int | None,
        comments: int,
    ) -> SimVideo:
        rng = random.Random(stable_int("growth", vid))
        state: VideoState = (
            "deleted" if vid.endswith("404") else "private" if vid.endswith("403") else "public"
        )
        return SimVideo(
            video_id=vid,
            published_at=published_at,
            username=username or f"creator{stable_int('author', vid) % 1000:03d}",
            title=title
            or f"Simulated video {vid[-6:]} #{('diy', 'cooking', 'tech', 'dance', 'travel')[rng.randrange(5)]}",
            duration=duration or rng.randint(7, 180),
            comment_total=comments,
            state=state,
            views_30d=10 ** rng.uniform(3.0, 6.5),
            tau_hours=rng.uniform(2.0, 24.0),
            like_frac=rng.uniform(0.03, 0.12),
            comment_frac=rng.uniform(0.001, 0.01),
            share_frac=rng.uniform(0.001, 0.02),
            save_frac=rng.uniform(0.002, 0.03),
            download_frac=rng.uniform(0.0005, 0.005),
        )

    def _video(self, vid: str, username: str | None = None) -> SimVideo:
        """A known video, or an unknown numeric id registered now (published just before the epoch)."""
        video = self._videos.get(vid)
        if video is None:
            published = self.epoch - timedelta(seconds=stable_int("published", vid) % 3600)
            video = self._make_video(vid, published, username, None, None, 120)
            self._videos[vid] = video
            self._account(video.username, implicit=False).videos.append(vid)
        return video

    def _account(self, username: str, *, implicit: bool) -> SimAccount:
        """The account; a new one seen first by an API request (`implicit`) gets 12 past videos."""
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
                for i in range(12):
                    vid = self._new_video_id(username)
                    self.add_video(vid, self.epoch - timedelta(days=2 * i + 1), username=username)
        return account

    def _new_video_id(self, username: str) -> str:
        n = 0
        while True:
            vid = str(7_300_000_000_000_000_000 + stable_int("video", username, n) % 10**17)
            if vid not in self._videos and not vid.endswith(("403", "404")):
                return vid
            n += 1

    def _visible_videos(self, account: SimAccount, now: datetime) -> list[SimVideo]:
        videos = [self._videos[v] for v in account.videos if v in self._videos]
        shown = [
            v
            for v in videos
            if v.state == "public" and v.published_at <= now and v.username == account.username
        ]
        return sorted(shown, key=lambda v: v.published_at, reverse=True)

    # --- server lifecycle --------------------------------------------------------------------------
    async def start(self) -> str:
        """Listen on `host`:`port` (0 = any free port); returns the base URL."""
        app = web.Application()
        for route in ROUTES:
            app.router.add_get(route, self._handle)
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop listening; requests left hanging by `timeout_rate` are released."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MetricsSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- request handling --------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        route = request.path
        self.calls += 1
        self.calls_by_route[route] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self._answer(request, route)
        finally:
            self.in_flight -= 1
        self.requests.append(SimRequest(arrived, route, response.status))
        return response

    async def _answer(self, request: web.Request, route: str) -> web.Response:
        # The RapidAPI gateway answers first: key, then rate limit, without touching the provider.
        if self.require_key is not None:
            key = request.headers.get("x-rapidapi-key")
            if not key:
                self.sent_rejected += 1
                return _gateway(
                    401, "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."
                )
            if key != self.require_key:
                self.sent_rejected += 1
                return _gateway(403, "You are not subscribed to this API.")
        if self._bucket is not None:
            wait = self._bucket.take()
            if wait > 0:
                self.rate_limited += 1
                return self._too_many(max(wait, 0.001))

        fault = self._fault()
        delay = self.latency(route) if callable(self.latency) else self.latency
        if delay > 0:
            await asyncio.sleep(delay)
        if fault == "timeout":
            self.sent_timeouts += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.hang_seconds)
            return _gateway(504, "The request to the API has timed out.")
        if fault == "error" or (isinstance(fault, int) and fault >= 500):
            self.sent_errors += 1
            return _gateway(fault if isinstance(fault, int) else 503, "Service Unavailable")
        if fault == "429" or fault == 429:
            return self._too_many(self.retry_after)
        if fault in (401, 403):
            self.sent_rejected += 1
            return _gateway(int(fault), "You are not subscribed to this API.")
        if isinstance(fault, int):
            return _gateway(fault, f"HTTP {fault}")
        if fault == "limit":
            return _envelope(-1, PROVIDER_LIMIT, [])
        if fault == "quota":
            self.sent_429 += 1
            return _gateway(429, MONTHLY_QUOTA)

        now = self.clock.now()
        q = request.query
        try:
            return self._ROUTE_HANDLERS[route](self, q, now)
        except _ProviderError as err:
            return _envelope(-1, str(err), [])

    def _fault(self) -> Fault | int | None:
        if self._forced:
            return self._forced.popleft()
        # One draw per request, compared with the cumulative fractions, keeps the sequence reproducible.
        draw = self.rng.random()
        for kind, rate in (
            ("timeout", self.timeout_rate),
            ("error", self.error_rate),
            ("429", self.rate_429),
            ("limit", self.limit_rate),
        ):
            if draw < rate:
                return kind  # type: ignore[return-value]
            draw -= rate
        return None

    def _too_many(self, retry_after: float) -> web.Response:
        self.sent_429 += 1
        return web.json_response(
            {"message": "Too many requests"}, status=429, headers={"Retry-After": f"{retry_after:g}"}
        )

    # --- routes ------------------------------------------------------------------------------------
    def _resolve(self, url: str) -> SimVideo:
        """The video a `url` parameter names: a full link, a short link, or a bare id."""
        text = url.strip()
        if text.isdigit():
            return self._video(text)
        short = _SHORT_RE.match(text)
        if short:
            code = short.group(1)
            vid = self._short_links.get(code) or str(
                7_200_000_000_000_000_000 + stable_int("short", code) % 10**17
            )
            return self._video(vid)
        if "tiktok.com/" in text:
            found = _VIDEO_PATH_RE.search(text)
            if found:
                user = _USER_IN_URL_RE.search(text)
                return self._video(found.group(1), user.group(1) if user else None)
        raise _ProviderError(URL_FAILED)

    def _public_video(self, url: str, now: datetime) -> SimVideo:
        video = self._resolve(url)
        if video.state == "deleted" or video.published_at > now:
            raise _ProviderError(URL_FAILED)
        if video.state == "private":
            raise _ProviderError(PRIVATE_VIDEO)
        return video

    def _video_json(
        self, video: SimVideo, now: datetime, *, listing: bool, hd: bool = False
    ) -> dict[str, Any]:
        m = video.metrics_at(now)
        account = self._account(video.username, implicit=False)
        vid = video.video_id
        body: dict[str, Any] = {
            "region": "US",
            "title": video.title,
            "cover": f"{CDN}/{vid}/cover.jpg",
            "origin_cover": f"{CDN}/{vid}/origin.jpg",
            "duration": video.duration,
            "play": f"{CDN}/{vid}/play.mp4",
            "wmplay": f"{CDN}/{vid}/wm.mp4",
            "size": 1_000_000 + stable_int("size", vid) % 9_000_000,
            "music": f"{CDN}/{vid}/music.mp3",
            "music_info": {
                "id": str(7_100_000_000_000_000_000 + stable_int("music", vid) % 10**17),
                "title": "original sound",
                "play": f"{CDN}/{vid}/music.mp3",
                "cover": f"{CDN}/{vid}/music.jpg",
                "author": video.username,
                "original": True,
                "duration": video.duration,
                "album": "",
            },
            "play_count": m.views,
            "digg_count": m.likes,
            "comment_count": m.comments,
            "share_count": m.shares,
            "download_count": m.downloads,
            "collect_count": m.saves,
            "create_time": int(video.published_at.timestamp()),
            "is_ad": False,
            "author": {
                "id": account.user_id,
                "unique_id": account.username,
                "nickname": account.nickname,
                "avatar": f"{CDN}/avatar/{account.username}.jpg",
            },
        }
        if listing:
            # List items carry video_id and aweme_id; the detail answer carries id (metrics-api.md §3).
            return {"video_id": vid, "aweme_id": vid, **body}
        if hd:
            body["hdplay"] = f"{CDN}/{vid}/hd.mp4"
        return {"id": vid, **body}

    def _route_video(self, q: Any, now: datetime) -> web.Response:
        video = self._public_video(q.get("url", ""), now)
        return _envelope(0, "success", self._video_json(video, now, listing=False, hd=q.get("hd") == "1"))

    def _route_comments(self, q: Any, now: datetime) -> web.Response:
        video = self._public_video(q.get("url", ""), now)
        count = _bounded(q.get("count"), 20, 50)
        cursor = _bounded(q.get("cursor"), 0, 10**9, low=0)
        total = video.comment_total
        end = min(total, cursor + count)
        published = int(video.published_at.timestamp())
        comments = []
        for i in range(cursor, end):
            h = stable_int("comment", video.video_id, i)
            fan = f"fan_{h % 100_000:05d}"
            comments.append(
                {
                    "id": f"74{stable_int('cid', video.video_id) % 10**12:012d}{i:05d}",
                    "video_id": video.video_id,
                    "text": _COMMENT_WORDS[h % len(_COMMENT_WORDS)],
                    "create_time": published + (i + 1) * 97,
                    "digg_count": h % 250,
                    "reply_total": h % 6,
                    "status": 1,
                    "user": {
                        "id": str(7_000_000_000_000_000_000 + h % 10**17),
                        "unique_id": fan,
                        "nickname": fan.replace("_", " ").title(),
                        "avatar": f"{CDN}/avatar/{fan}.jpg",
                    },
                }
            )
        data = {"comments": comments, "total": total, "cursor": end, "hasMore": end < total}
        return _envelope(0, "success", data)

    def _user_from(self, q: Any) -> SimAccount:
        name = (q.get("unique_id") or "").strip().removeprefix("@")
        if not name:
            user_id = (q.get("user_id") or "").strip()
            found = next((a for a in self._accounts.values() if a.user_id == user_id), None)
            if found is None:
                raise _ProviderError("user not exist")
            return found
        account = self._account(name, implicit=True)
        if not account.exists:
            raise _ProviderError("user not exist")
        return account

    def _route_user_info(self, q: Any, now: datetime) -> web.Response:
        account = self._user_from(q)
        videos = self._visible_videos(account, now)
        hearts = sum(v.metrics_at(now).likes for v in videos) + stable_int("hearts", account.username) % 5000
        # Followers grow slowly with time since the epoch, never shrink.
        days = max(0.0, (now - self.epoch).total_seconds() / 86400)
        followers = int(account.followers * (1 + 0.05 * math.log1p(days)))
        user = {
            "id": account.user_id,
            "uniqueId": account.username,
            "nickname": account.nickname,
            "signature": account.signature,
            "avatarThumb": f"{CDN}/avatar/{account.username}_t.jpg",
            "avatarMedium": f"{CDN}/avatar/{account.username}_m.jpg",
            "avatarLarger": f"{CDN}/avatar/{account.username}_l.jpg",
            "verified": account.verified,
            "secUid": f"MS4wLjABAAAA{stable_int('sec', account.username):016x}",
            "privateAccount": account.private,
        }
        stats = {
            "followerCount": followers,
            "followingCount": account.following,
            "heartCount": hearts,
            "heart": hearts,
            "videoCount": len(videos),
            "diggCount": stable_int("digg", account.username) % 10_000,
        }
        return _envelope(0, "success", {"user": user, "stats": stats})

    def _route_user_posts(self, q: Any, now: datetime) -> web.Response:
        account = self._user_from(q)
        if account.private:
            raise _ProviderError("This account is private")
        videos = self._visible_videos(account, now)
        count = _bounded(q.get("count"), 30, 30)
        start = _bounded(q.get("cursor"), 0, 10**9, low=0)
        page = videos[start : start + count]
        end = start + len(page)
        data = {
            "videos": [self._video_json(v, now, listing=True) for v in page],
            "cursor": str(end),  # the real API sends a string cursor here
            "hasMore": end < len(videos),
        }
        return _envelope(0, "success", data)

    def _route_user_search(self, q: Any, now: datetime) -> web.Response:
        keywords = _keywords(q)
        slug = re.sub(r"[^a-z0-9_]", "", keywords.lower().replace(" ", "_"))[:16] or "user"
        total = 25
        start, end, count = _window(q, total)
        users = []
        for i in range(start, end):
            account = self._account(f"{slug}_{i}", implicit=False)
            users.append(
                {
                    "user_info": {
                        "uid": account.user_id,
                        "unique_id": account.username,
                        "nickname": account.nickname,
                        "signature": account.signature,
                        "avatar_thumb": f"{CDN}/avatar/{account.username}_t.jpg",
                        "follower_count": account.followers,
                        "following_count": account.following,
                    }
                }
            )
        return _envelope(0, "success", {"user_list": users, "cursor": end, "hasMore": end < total})

    def _route_feed_search(self, q: Any, now: datetime) -> web.Response:
        keywords = _keywords(q)
        total = 40
        start, end, count = _window(q, total)
        videos = []
        for i in range(start, end):
            vid = str(7_400_000_000_000_000_000 + stable_int("search", keywords.lower(), i) % 10**17)
            if vid.endswith(("403", "404")):
                vid = vid[:-1] + "7"
            if vid not in self._videos:
                published = self.epoch - timedelta(seconds=stable_int("search-age", vid) % (30 * 86400))
                self.add_video(vid, published)
            videos.append(self._video_json(self._videos[vid], now, listing=True))
        return _envelope(0, "success", {"videos": videos, "cursor": end, "hasMore": end < total})

    def _route_challenge_search(self, q: Any, now: datetime) -> web.Response:
        keywords = _keywords(q)
        slug = re.sub(r"[^a-z0-9]", "", keywords.lower()) or "tag"
        total = 15
        start, end, count = _window(q, total)
        tags = []
        for i in range(start, end):
            h = stable_int("tag", slug, i)
            tags.append(
                {
                    "id": str(1_000 + h % 10**8),
                    "cha_name": slug
                    if i == 0
                    else f"{slug}{('tips', 'life', 'tok', 'daily', 'hack')[i % 5]}{i}",
                    "desc": f"Videos about {keywords}",
                    "user_count": h % 100_000,
                    "view_count": h % 10**9,
                    "cover": f"{CDN}/tag/{slug}{i}.jpg",
                }
            )
        return _envelope(0, "success", {"challenge_list": tags, "cursor": end, "hasMore": end < total})

    _ROUTE_HANDLERS: dict[str, Callable[[MetricsSimulator, Any, datetime], web.Response]] = {
        "/": _route_video,
        "/comment/list": _route_comments,
        "/user/info": _route_user_info,
        "/user/posts": _route_user_posts,
        "/user/search": _route_user_search,
        "/feed/search": _route_feed_search,
        "/challenge/search": _route_challenge_search,
    }


class _ProviderError(Exception):
    """An answer of HTTP 200, code -1 and this message."""


def _envelope(code: int, msg: str, data: Any) -> web.Response:
    return web.json_response({"code": code, "msg": msg, "processed_time": 0.1, "data": data})


def _gateway(status: int, message: str) -> web.Response:
    """An answer from the RapidAPI gateway, not the provider: `{"message": ...}`."""
    return web.json_response({"message": message}, status=status)


def _bounded(value: str | None, default: int, most: int, *, low: int = 1) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        number = default
    return max(low, min(most, number))


def _keywords(q: Any) -> str:
    keywords = (q.get("keywords") or "").strip()
    if not keywords:
        raise _ProviderError("keywords is required")
    return keywords


def _window(q: Any, total: int) -> tuple[int, int, int]:
    count = _bounded(q.get("count"), 10, 30)
    start = _bounded(q.get("cursor"), 0, 10**9, low=0)
    return start, min(total, start + count), count
