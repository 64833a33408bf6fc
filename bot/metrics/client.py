"""The metrics API client: tiktok-scraper7 over one aiohttp session, paced, retried, budgeted, recorded."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Self, TypeVar

import aiohttp
from pydantic import BaseModel

from bot.clock import Clock, SystemClock
from bot.config import RAPIDAPI_HOST
from bot.errors import (
    AccountUnavailable,
    ApiRejected,
    ApiUnavailable,
    InvalidInput,
    MetricsApiError,
    QuotaExhausted,
    RateLimited,
    VideoUnavailable,
)
from bot.metrics.call_log import UsageRecorder
from bot.metrics.models import Comment, Hashtag, Page, UserInfo, UserSummary, Video, parse_page
from bot.metrics.pacing import TokenBucket, backoff_delay
from bot.metrics.shared import BudgetUsedUp, SharedLimits
from bot.metrics.urls import USERNAME_RE, VideoRef, parse_video_url
from db.api_usage import PROVIDER, UsageRow, count_calls_in_month

log = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound=BaseModel)
Outcome = Literal["ok", "throttled", "transient", "rejected", "not_found", "quota"]

# The provider's own page-size limits (metrics-api.md §2); larger counts are clamped, not refused.
MAX_COMMENTS_PER_PAGE = 50
MAX_ITEMS_PER_PAGE = 30


@dataclass(slots=True)
class _Attempt:
    """What one HTTP attempt gave: the `data` on success, else the kind of failure and its reason."""

    outcome: Outcome
    data: Any = None
    status: int | None = None
    reason: str = ""
    retry_after: float | None = None


class MetricsClient:
    """The tiktok-scraper7 API, for every caller in the process.

    Holds the process's one ClientSession, a token bucket at `rate` requests/s and a bound of `concurrency`
    requests in flight, retries 429 (honouring Retry-After), 5xx, timeouts and connection errors with
    exponential backoff and full jitter, refuses calls past `monthly_budget`, and records each HTTP attempt
    as one api_usage_tracking row through a background UsageRecorder (none written when `pool` is None).

    With `shared_limits` (and a pool) the rate and the budget hold for every process on the database
    together: each attempt takes its send time and its budgeted call from Postgres (SharedLimits, one
    round trip), and Retry-After pauses every process. The bot's processes use it (build_services); the
    token bucket and the local count remain for a client without a database, and for an outage of it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        rate: float = 5.0,
        concurrency: int = 64,
        timeout: float = 15.0,
        retries: int = 4,
        monthly_budget: int | None = None,
        pool: Any | None = None,
        clock: Clock | None = None,
        recorder: UsageRecorder | None = None,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 60.0,
        burst: float = 2.0,
        budget_refresh: float = 60.0,
        rng: random.Random | None = None,
        host_header: str = RAPIDAPI_HOST,
        shared_limits: bool = False,
        rate_key: str = PROVIDER,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.monthly_budget = monthly_budget
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.budget_refresh = budget_refresh
        self.clock: Clock = clock or SystemClock()
        self.bucket = TokenBucket(rate, burst)
        self.pool = pool
        self.shared: SharedLimits | None = (
            SharedLimits(pool, rate=rate, budget=monthly_budget, name=rate_key)
            if shared_limits and pool is not None
            else None
        )
        self._owns_recorder = recorder is None
        self.recorder = recorder if recorder is not None else UsageRecorder(pool)
        self._semaphore = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._rng = rng or random.Random()
        # Kept private and out of every message: the key is a secret.
        self._headers = {"x-rapidapi-host": host_header, "accept": "application/json"}
        if api_key:
            self._headers["x-rapidapi-key"] = api_key
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        # Budget: the month's count as last read from the database, plus this process's calls since.
        self._count_month: date | None = None
        self._count_base = 0
        self._count_since = 0
        self._count_read_at = float("-inf")
        self._count_lock = asyncio.Lock()
        # Plain counters, for logs and tests.
        self.attempts = 0
        self.retried = 0

    @classmethod
    def from_settings(
        cls, settings: Any, *, pool: Any | None = None, clock: Clock | None = None, **overrides: Any
    ) -> MetricsClient:
        """A client configured by Settings (METRICS_API_*, RAPIDAPI_KEY)."""
        options: dict[str, Any] = {
            "api_key": settings.require_rapidapi_key(),
            "rate": settings.metrics_api_rate,
            "concurrency": settings.metrics_api_concurrency,
            "timeout": settings.metrics_api_timeout,
            "retries": settings.metrics_api_retries,
            "monthly_budget": settings.metrics_api_monthly_budget,
            "pool": pool,
            "clock": clock,
        }
        options.update(overrides)
        return cls(settings.metrics_api_base_url, **options)

    # --- lifecycle ---------------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Open the session (also done on the first call)."""
        self._session_or_open()

    async def close(self) -> None:
        """Close the session and write the pending usage rows."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._owns_recorder:
            await self.recorder.close()
        else:
            await self.recorder.flush()

    def _session_or_open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("MetricsClient is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._concurrency, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, raise_for_status=False
            )
        return self._session

    # --- endpoints ---------------------------------------------------------------------------------
    async def video_info(self, video: str | VideoRef) -> Video:
        """The video's details and current numbers. VideoUnavailable when deleted, private or unknown."""
        ref = _video_ref(video)
        data = await self._call("/", {"url": ref.url, "hd": "1"}, VideoUnavailable)
        if not isinstance(data, dict) or not data:
            raise VideoUnavailable("the API returned no video", url=ref.url)
        result = Video.model_validate(data)
        if ref.video_id:
            # The id in the link is the one we track; the answer's own id is kept in `raw`.
            result.video_id = ref.video_id
        return result

    async def comments(
        self, video: str | VideoRef, *, cursor: str | int = 0, count: int = MAX_COMMENTS_PER_PAGE
    ) -> Page[Comment]:
        """One page of the video's comments."""
        ref = _video_ref(video)
        params = {"url": ref.url, "count": str(_clamp(count, MAX_COMMENTS_PER_PAGE)), "cursor": str(cursor)}
        data = await self._call("/comment/list", params, VideoUnavailable)
        return parse_page(data, ("comments",), Comment)

    async def all_comments(self, video: str | VideoRef, limit: int = 500) -> list[Comment]:
        """The video's comments, following pages until the end or `limit` comments.

        Stops on an empty page, hasMore false, a cursor of 0, or a cursor that does not move (which would
        otherwise loop for ever).
        """
        ref = _video_ref(video)
        found: list[Comment] = []
        cursor = "0"
        while len(found) < limit:
            page = await self.comments(
                ref, cursor=cursor, count=min(MAX_COMMENTS_PER_PAGE, limit - len(found))
            )
            found.extend(page.items)
            if page.at_end or page.cursor == cursor:
                break
            cursor = page.cursor
        return found[:limit]

    async def user_info(self, username: str) -> UserInfo:
        """An account's profile and counts. AccountUnavailable when it does not exist."""
        name = _username(username)
        data = await self._call("/user/info", {"unique_id": name}, AccountUnavailable)
        info = UserInfo.model_validate(data if isinstance(data, dict) else {})
        if not info.unique_id and not info.user_id:
            raise AccountUnavailable(f"no account @{name}", username=name)
        return info

    async def user_posts(
        self, username: str, *, cursor: str | int = 0, count: int = MAX_ITEMS_PER_PAGE
    ) -> Page[Video]:
        """One page of an account's videos, newest first."""
        name = _username(username)
        params = {"unique_id": name, "count": str(_clamp(count, MAX_ITEMS_PER_PAGE)), "cursor": str(cursor)}
        data = await self._call("/user/posts", params, AccountUnavailable)
        return parse_page(data, ("videos",), Video)

    async def all_user_posts(self, username: str, limit: int = 300) -> list[Video]:
        """An account's videos, newest first, following pages until the end or `limit` videos."""
        found: list[Video] = []
        cursor = "0"
        while len(found) < limit:
            page = await self.user_posts(
                username, cursor=cursor, count=min(MAX_ITEMS_PER_PAGE, limit - len(found))
            )
            found.extend(page.items)
            if page.at_end or page.cursor == cursor:
                break
            cursor = page.cursor
        return found[:limit]

    async def search_users(
        self, keywords: str, *, cursor: str | int = 0, count: int = MAX_ITEMS_PER_PAGE
    ) -> Page[UserSummary]:
        """Accounts matching `keywords`."""
        params = {"keywords": _keywords(keywords), "count": str(_clamp(count)), "cursor": str(cursor)}
        data = await self._call("/user/search", params, ApiRejected)
        return parse_page(data, ("user_list", "users"), UserSummary)

    async def search_videos(
        self,
        keywords: str,
        *,
        cursor: str | int = 0,
        count: int = MAX_ITEMS_PER_PAGE,
        region: str | None = None,
        sort_type: int | None = None,
        publish_time: int | None = None,
    ) -> Page[Video]:
        """Videos matching `keywords` (sort_type 0 relevance, 1 likes, 3 date; publish_time in days)."""
        params = {"keywords": _keywords(keywords), "count": str(_clamp(count)), "cursor": str(cursor)}
        for key, value in (("region", region), ("sort_type", sort_type), ("publish_time", publish_time)):
            if value is not None:
                params[key] = str(value)
        data = await self._call("/feed/search", params, ApiRejected)
        return parse_page(data, ("videos",), Video)

    async def search_hashtags(
        self, keywords: str, *, cursor: str | int = 0, count: int = MAX_ITEMS_PER_PAGE
    ) -> Page[Hashtag]:
        """Hashtags (challenges) matching `keywords`."""
        params = {"keywords": _keywords(keywords), "count": str(_clamp(count)), "cursor": str(cursor)}
        data = await self._call("/challenge/search", params, ApiRejected)
        return parse_page(data, ("challenge_list", "challenges", "list"), Hashtag)

    # --- budget ------------------------------------------------------------------------------------
    async def calls_this_month(self) -> int:
        """Calls this UTC month by every process (as last read from the database) plus this one's since.

        The database count is read again when older than `budget_refresh` seconds or when the month changes.
        """
        month = self._month()
        if self.shared is not None:
            try:
                used = await self.shared.calls_in_month(month)
            except Exception as exc:  # the database is away: the last count this process knows
                log.warning("cannot read this month's shared API count (%s)", exc)
            else:
                self._count_month, self._count_base, self._count_since = month, used, 0
                self._count_read_at = time.monotonic()
                return used
        if month != self._count_month or time.monotonic() - self._count_read_at >= self.budget_refresh:
            await self._read_count(month)
        return self._count_base + self._count_since

    def remaining_budget(self) -> int | None:
        """Calls left this month by the last count (None: no budget set)."""
        if self.monthly_budget is None:
            return None
        used = self._count_base + self._count_since if self._count_month == self._month() else 0
        return max(0, self.monthly_budget - used)

    def _month(self) -> date:
        return self.clock.now().astimezone(UTC).date().replace(day=1)

    async def _read_count(self, month: date) -> None:
        async with self._count_lock:
            if month == self._count_month and time.monotonic() - self._count_read_at < self.budget_refresh:
                return  # another caller read it while this one waited
            if month != self._count_month:
                self._count_month, self._count_base, self._count_since = month, 0, 0
            self._count_read_at = time.monotonic()
            if self.pool is None:
                return
            try:
                async with self.pool.acquire(timeout=5.0) as conn:
                    stored = await count_calls_in_month(conn, month, PROVIDER)
            except Exception as exc:  # a database outage must not stop API calls; keep counting locally
                log.warning(
                    "cannot read this month's API usage (%s); counting this process's calls only", exc
                )
                return
            # Our rows not yet written are not in `stored`; everything before now is in the new base.
            self._count_base = stored + self.recorder.pending
            self._count_since = 0

    def _take_budget(self, path: str) -> None:
        """Count one call against the budget, or raise QuotaExhausted without calling."""
        if self._count_month != self._month():
            self._count_month, self._count_base, self._count_since = self._month(), 0, 0
        if self.monthly_budget is not None:
            used = self._count_base + self._count_since
            if used >= self.monthly_budget:
                raise QuotaExhausted(
                    f"{used} of the {self.monthly_budget} calls budgeted for {self._count_month:%B %Y} are used",
                    used=used,
                    budget=self.monthly_budget,
                    endpoint=path,
                )
        self._count_since += 1

    # --- the call ----------------------------------------------------------------------------------
    async def _call(self, path: str, params: dict[str, str], not_found: type[MetricsApiError]) -> Any:
        """GET `path` until it succeeds, fails for good, or the retries are spent; returns `data`."""
        if self.monthly_budget is not None and self.shared is None:
            await self.calls_this_month()
        last: _Attempt | None = None
        for attempt in range(self.retries + 1):
            if self.shared is None:
                self._take_budget(path)
            async with self._semaphore:
                if self.shared is None:
                    await self.bucket.acquire()
                else:
                    await self._shared_slot(path)
                last = await self._attempt(path, params)
            if last.outcome == "ok":
                return last.data
            if last.outcome == "not_found":
                raise not_found(last.reason, endpoint=path, status=last.status)
            if last.outcome == "rejected":
                raise ApiRejected(last.reason, endpoint=path, status=last.status)
            if last.outcome == "quota":
                raise QuotaExhausted(last.reason, endpoint=path, status=last.status)
            if attempt == self.retries:
                break
            if last.retry_after is not None:
                if last.retry_after > self.max_retry_after:
                    raise RateLimited(
                        f"{path}: the API asked to wait {last.retry_after:.0f} s", endpoint=path, status=429
                    )
                delay = last.retry_after
                self.bucket.pause(delay)  # everyone in the process backs off, not only this caller
                if self.shared is not None:
                    await self.shared.pause(delay)  # and every other process too
            else:
                delay = backoff_delay(attempt, self.backoff_base, self.backoff_max, self._rng)
            self.retried += 1
            log.debug("retrying %s in %.3f s after %s", path, delay, last.reason)
            await asyncio.sleep(delay)
        assert last is not None
        tries = self.retries + 1
        detail = f"{path} failed {tries} time{'s' if tries > 1 else ''}; last: {last.reason}"
        if last.outcome == "throttled":
            raise RateLimited(detail, endpoint=path, status=last.status, attempts=tries)
        raise ApiUnavailable(detail, endpoint=path, status=last.status, attempts=tries)

    async def _shared_slot(self, path: str) -> None:
        """Count the attempt against the shared budget and wait for its shared send time; with the
        database away, this process's own count and token bucket."""
        assert self.shared is not None
        month = self._month()
        try:
            granted = await self.shared.acquire(month)
        except BudgetUsedUp:
            budget = self.monthly_budget or 0
            self._count_month, self._count_base, self._count_since = month, budget, 0
            raise QuotaExhausted(
                f"{budget} of the {budget} calls budgeted for {month:%B %Y} are used",
                used=budget,
                budget=budget,
                endpoint=path,
            ) from None
        if granted.used is not None:
            self._count_month, self._count_base, self._count_since = month, granted.used, 0
            return
        self._take_budget(path)
        await self.bucket.acquire()

    async def _attempt(self, path: str, params: dict[str, str]) -> _Attempt:
        """One HTTP GET, classified, and recorded as one usage row."""
        session = self._session_or_open()
        self.attempts += 1
        requested_at = self.clock.now()
        started = time.monotonic()
        try:
            async with session.get(
                self.base_url + path, params=params, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                body = await response.read()
                result = self._classify(response.status, response.headers, body)
        except TimeoutError:
            result = _Attempt("transient", reason=f"no answer within {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            result = _Attempt("transient", reason=f"{type(exc).__name__}: {_first_line(exc)}")
        latency_ms = round((time.monotonic() - started) * 1000)
        self.recorder.record(
            UsageRow(
                endpoint=path,
                success=result.outcome == "ok",
                requested_at=requested_at,
                latency_ms=latency_ms,
                status_code=result.status,
                error_message=None if result.outcome == "ok" else result.reason[:500],
            )
        )
        return result

    def _classify(self, status: int, headers: Any, body: bytes) -> _Attempt:
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        gateway_msg = _text(payload.get("message")) if isinstance(payload, dict) else ""
        if status == 200:
            if not isinstance(payload, dict):
                return _Attempt("transient", status=status, reason="HTTP 200 with a body that is not JSON")
            code, msg = payload.get("code"), _text(payload.get("msg"))
            if code in (0, "0"):
                if "data" not in payload:
                    return _Attempt("transient", status=status, reason="code 0 without data")
                return _Attempt("ok", data=payload["data"], status=status)
            if "limit" in msg.lower():
                return _Attempt("throttled", status=status, reason=f"code {code}: {msg}")
            return _Attempt("not_found", status=status, reason=f"the API answered: {msg or f'code {code}'}")
        if status == 429:
            if "quota" in gateway_msg.lower():
                return _Attempt(
                    "quota", status=status, reason=f"the API plan's quota is used up ({gateway_msg})"
                )
            retry_after = _retry_after(headers.get("Retry-After"), self.clock.now())
            return _Attempt(
                "throttled", status=status, reason="HTTP 429 rate limited", retry_after=retry_after
            )
        if status in (401, 403):
            why = gateway_msg or ("unauthorized" if status == 401 else "forbidden")
            return _Attempt(
                "rejected",
                status=status,
                reason=f"HTTP {status} ({why}); check RAPIDAPI_KEY and the API subscription",
            )
        if status == 404:
            return _Attempt("not_found", status=status, reason="HTTP 404 not found")
        if status >= 500 or status == 408:
            return _Attempt("transient", status=status, reason=f"HTTP {status}")
        return _Attempt(
            "rejected", status=status, reason=f"HTTP {status}{f' ({gateway_msg})' if gateway_msg else ''}"
        )


def _video_ref(video: str | VideoRef) -> VideoRef:
    return video if isinstance(video, VideoRef) else parse_video_url(video)


def _username(username: str) -> str:
    name = (username or "").strip().removeprefix("@")
    if not USERNAME_RE.fullmatch(name):
        raise InvalidInput(f"{username!r} is not a TikTok username (letters, digits, _ and ., at most 24)")
    return name


def _keywords(keywords: str) -> str:
    text = (keywords or "").strip()
    if not text:
        raise InvalidInput("search keywords are empty")
    return text[:200]


def _clamp(count: int, most: int = MAX_ITEMS_PER_PAGE) -> int:
    return max(1, min(most, int(count)))


def _text(value: Any) -> str:
    return value.strip()[:300] if isinstance(value, str) else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "no detail"


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After in seconds: either delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
