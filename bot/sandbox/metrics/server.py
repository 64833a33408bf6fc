"""A local tiktok-scraper7: the simulated world served over HTTP, behind a RapidAPI-like gateway (key,
rate limit) and with injectable faults.

Tests, benchmarks and the sandbox point the metrics client at it. Faults come from a seeded random.Random,
so a test that injects them is reproducible.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from bot.clock import Clock
from bot.sandbox.metrics import answer_shapes
from bot.sandbox.metrics import comments as sim_comments
from bot.sandbox.metrics.answer_shapes import Shape
from bot.sandbox.metrics.provider import Provider, envelope
from bot.sandbox.metrics.world import SimComment, SimWorld

_VIDEO_IN_URL = re.compile(r"/(?:video|photo|v)/(\d{1,25})")  # the video a per-video fault is queued for
Fault = Literal["timeout", "error", "429", "limit", "quota"] | Shape

PROVIDER_LIMIT = "Free Api Limit: 1 request/second."
MONTHLY_QUOTA = "You have exceeded the MONTHLY quota for Requests on your current plan, BASIC."


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


class MetricsSimulator(SimWorld):
    """An aiohttp server on 127.0.0.1 speaking tiktok-scraper7's routes and JSON about its world (the
    SimWorld it is: add_video, add_account, ... on `clock`).

    Knobs, all settable while it runs:
      latency        seconds added to each answer, or a callable(route) -> seconds
      error_rate     fraction of requests answered 503
      rate_429       fraction answered 429 with Retry-After: `retry_after`
      timeout_rate   fraction that hang for `hang_seconds` (longer than any client timeout)
      limit_rate     fraction answered HTTP 200, code -1, msg "...Limit..." (the provider's own throttle)
      rate_limit     its own requests/s token bucket (burst `rate_limit_burst`); past it 429 like RapidAPI
      require_key    None, or the x-rapidapi-key it demands: 401 without one, 403 with another
    `fail_next(n, kind)` queues faults for the next n requests, before the random ones; `answer_video(id,
    *kinds)` queues them for the next requests about one video (kinds: also every answer_shapes.Shape).
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
        super().__init__(clock, seed=seed)
        self.provider = Provider(self)
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
        self._forced: deque[Fault | int] = deque()
        self._forced_by_video: dict[str, deque[Fault | int]] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self.base_url: str | None = None
        self.short_link_hits = 0
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

    def answer_video(self, video_id: str | int, *kinds: Fault | int) -> None:
        """The next requests about this video (any route) are answered `kinds` in turn, then normally."""
        self._forced_by_video.setdefault(str(video_id), deque()).extend(kinds)

    def add_comment(self, video_id: str | int, text: str, **details: Any) -> SimComment:
        """A comment on the video from `at` (default now); see bot/sandbox/metrics/comments.add_comment."""
        return sim_comments.add_comment(self, str(video_id), text, **details)

    # --- server lifecycle --------------------------------------------------------------------------
    async def start(self) -> str:
        """Listen on `host`:`port` (0 = any free port); returns the base URL."""
        app = web.Application()
        for route in self.provider.routes:
            app.router.add_get(route, self._handle)
        # TikTok's short-link hosts (vm./vt.tiktok.com/CODE/, www.tiktok.com/t/CODE/), which answer a redirect
        # to the post: the link resolver's TIKTOK_SHORT_LINK_BASE_URL is `{base_url}/shortlinks`.
        app.router.add_get("/shortlinks/{code:[A-Za-z0-9]+}/", self._short_link)
        app.router.add_get("/shortlinks/t/{code:[A-Za-z0-9]+}/", self._short_link)
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
    async def _short_link(self, request: web.Request) -> web.Response:
        """A 301 to the video a short code was made for (`add_short_link`), or, as the API's own answer for
        it, a made-up video; a code ending in 404 leads nowhere (TikTok sends it to its home page). Not an
        API call: counted in `short_link_hits` only."""
        self.short_link_hits += 1
        code = request.match_info["code"]
        video_id = self.short_link(code) or self.provider.short_video_id(code)
        if code.endswith("404") and self.short_link(code) is None:
            raise web.HTTPFound("https://www.tiktok.com/?_r=1")
        video = self.video(video_id)
        raise web.HTTPMovedPermanently(
            f"https://www.tiktok.com/@{video.username}/video/{video.video_id}?_r=1&_t=sim"
        )

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

        fault = self._fault_for(request.query.get("url", "")) or self._fault()
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
            return envelope(-1, PROVIDER_LIMIT, [])
        if fault == "quota":
            self.sent_429 += 1
            return _gateway(429, MONTHLY_QUOTA)

        if answer_shapes.is_shape(fault):
            shaped = answer_shapes.whole(str(fault))
            if shaped is not None:
                return shaped
        answer = self.provider.answer(route, request.query, self.clock.now())
        if answer_shapes.is_shape(fault) and answer.body:
            body = answer_shapes.mutate(str(fault), json.loads(answer.body))  # type: ignore[arg-type]
            return web.json_response(body, status=answer.status)
        return answer

    def _fault_for(self, url: str) -> Fault | int | None:
        found = _VIDEO_IN_URL.search(url) or re.fullmatch(r"\s*(\d{1,25})\s*", url)
        queue = self._forced_by_video.get(found.group(1)) if found else None
        return queue.popleft() if queue else None

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


def _gateway(status: int, message: str) -> web.Response:
    """An answer from the RapidAPI gateway, not the provider: `{"message": ...}`."""
    return web.json_response({"message": message}, status=status)
