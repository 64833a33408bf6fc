"""The metrics API client: tiktok-scraper7 over one aiohttp session, paced, retried, budgeted, recorded."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Self, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError

from bot.budget import Budget
from bot.clock import Clock, SystemClock
from bot.config import RAPIDAPI_HOST
from bot.errors import (
    AccountUnavailable,
    ApiRejected,
    ApiUnavailable,
    MalformedAnswer,
    MetricsApiError,
    QuotaExhausted,
    RateLimited,
    VideoUnavailable,
    VideoUnreadable,
)
from bot.metrics.answers import Attempt, classify, first_line
from bot.metrics.call_log import UsageRecorder
from bot.metrics.models import Comment, Hashtag, Page, UserInfo, UserSummary, Video, parse_page
from bot.metrics.pacing import TokenBucket, backoff_delay
from bot.metrics.params import (
    MAX_COMMENTS_PER_PAGE,
    MAX_ITEMS_PER_PAGE,
    page_size,
    search_params,
    username_param,
)
from bot.metrics.shared import BudgetUsedUp, SharedLimits
from bot.metrics.urls import VideoRef, parse_video_url
from db.api_usage import PROVIDER, UsageRow, count_calls_in_month

log = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound=BaseModel)


MISSING_KEY = "RAPIDAPI_KEY is not set (needed for the metrics API at METRICS_API_BASE_URL)"


class MetricsClient:
    """The tiktok-scraper7 API, for every caller in the process.

    Holds the process's one ClientSession, a token bucket at `rate` requests/s and a bound of `concurrency`
    requests in flight, retries 429 (honouring Retry-After), 5xx, timeouts and connection errors with
    exponential backoff and full jitter, takes each attempt from `budget` (a Budget; or one of
    `monthly_budget` calls made here) and refuses calls past it, and records each HTTP attempt as one
    api_usage_tracking row through a background UsageRecorder (none written when `pool` is None).

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
        budget: Budget | None = None,
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
        missing_key: str | None = None,
    ) -> None:
        self._missing_key = missing_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.clock: Clock = clock or SystemClock()
        self.budget = (
            budget if budget is not None else Budget(monthly_budget, self.clock, refresh=budget_refresh)
        )
        self.bucket = TokenBucket(rate, burst)
        self.pool = pool
        self.shared: SharedLimits | None = (
            SharedLimits(pool, rate=rate, budget=self.budget.monthly, name=rate_key)
            if shared_limits and pool is not None
            else None
        )
        self._owns_recorder = recorder is None
        self.recorder = recorder if recorder is not None else UsageRecorder(pool)
        # The budget's count reads every process's calls where this client's calls are counted.
        self.budget.count.shared = self.shared.calls_in_month if self.shared is not None else None
        self.budget.count.stored = self._stored_calls if pool is not None else None
        self._semaphore = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._rng = rng or random.Random()
        # Kept private and out of every message: the key is a secret.
        self._headers = {"x-rapidapi-host": host_header, "accept": "application/json"}
        if api_key:
            self._headers["x-rapidapi-key"] = api_key
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        # Plain counters, for logs and tests.
        self.attempts = 0
        self.retried = 0

    @classmethod
    def from_settings(
        cls, settings: Any, *, pool: Any | None = None, clock: Clock | None = None, **overrides: Any
    ) -> MetricsClient:
        """A client configured by Settings (METRICS_API_*, RAPIDAPI_KEY). Without a key for a remote API it
        is built all the same (commands that never call the API do not need one) and its calls fail."""
        key = settings.rapidapi_key.get_secret_value() if settings.rapidapi_key is not None else None
        options: dict[str, Any] = {
            "api_key": key,
            "missing_key": None if key or settings.metrics_api_is_local else MISSING_KEY,
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

    async def video_info(self, video: str | VideoRef) -> Video:
        """The video's details and current numbers. VideoUnavailable when deleted, private or unknown."""
        ref = _video_ref(video)
        data = await self._call("/", {"url": ref.url, "hd": "1"}, VideoUnavailable)
        if not isinstance(data, dict) or not data:
            raise VideoUnreadable("the API returned no video", url=ref.url, evidence="vague")
        result = _validated("/", Video, data)
        if result.play_count is None:
            # The answer "without the expected fields" proves no more than data: null.
            raise VideoUnreadable(
                "the API returned the video without its counts", url=ref.url, evidence="vague"
            )
        if ref.video_id:
            # The id in the link is the one we track; the answer's own id is kept in `raw`.
            result.video_id = ref.video_id
        return result

    async def comments(
        self, video: str | VideoRef, *, cursor: str | int = 0, count: int = MAX_COMMENTS_PER_PAGE
    ) -> Page[Comment]:
        """One page of the video's comments."""
        ref = _video_ref(video)
        params = {
            "url": ref.url,
            "count": str(page_size(count, MAX_COMMENTS_PER_PAGE)),
            "cursor": str(cursor),
        }
        data = await self._call("/comment/list", params, VideoUnavailable)
        return _validated("/comment/list", None, data, lambda: parse_page(data, ("comments",), Comment))

    async def all_comments(self, video: str | VideoRef, limit: int = 500) -> list[Comment]:
        """The video's comments, following pages until the end or `limit` comments.

        Stops on an empty page, hasMore false, a cursor of 0, or a cursor that does not move (which would
        otherwise loop for ever).
        """
        ref = _video_ref(video)
        return await _all_pages(
            lambda cursor, count: self.comments(ref, cursor=cursor, count=count), MAX_COMMENTS_PER_PAGE, limit
        )

    async def comment_replies(self, comment_id: str, *, cursor: str | int = 0) -> Page[Comment]:
        """One page (50) of the replies to a comment (`/comment/reply`)."""
        params = {"comment_id": comment_id, "count": str(MAX_COMMENTS_PER_PAGE), "cursor": str(cursor)}
        data = await self._call("/comment/reply", params, VideoUnavailable)
        return _validated("/comment/reply", None, data, lambda: parse_page(data, ("comments",), Comment))

    async def user_info(self, username: str) -> UserInfo:
        """An account's profile and counts. AccountUnavailable when it does not exist."""
        name = username_param(username)
        data = await self._call("/user/info", {"unique_id": name}, AccountUnavailable)
        info = _validated("/user/info", UserInfo, data if isinstance(data, dict) else {})
        if not info.unique_id and not info.user_id:
            raise AccountUnavailable(f"no account @{name}", username=name)
        return info

    async def user_posts(
        self, username: str, *, cursor: str | int = 0, count: int = MAX_ITEMS_PER_PAGE
    ) -> Page[Video]:
        """One page of an account's videos, newest first."""
        name = username_param(username)
        params = {
            "unique_id": name,
            "count": str(page_size(count, MAX_ITEMS_PER_PAGE)),
            "cursor": str(cursor),
        }
        data = await self._call("/user/posts", params, AccountUnavailable)
        return _validated("/user/posts", None, data, lambda: parse_page(data, ("videos",), Video))

    async def all_user_posts(self, username: str, limit: int = 300) -> list[Video]:
        """An account's videos, newest first, following pages until the end or `limit` videos."""
        return await _all_pages(
            lambda cursor, count: self.user_posts(username, cursor=cursor, count=count),
            MAX_ITEMS_PER_PAGE,
            limit,
        )

    async def search_users(
        self, keywords: str, *, cursor: str | int = 0, count: int = MAX_ITEMS_PER_PAGE
    ) -> Page[UserSummary]:
        """Accounts matching `keywords`."""
        params = search_params(keywords, cursor, count)
        return await self._search("/user/search", params, ("user_list", "users"), UserSummary)

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
        params = search_params(
            keywords, cursor, count, region=region, sort_type=sort_type, publish_time=publish_time
        )
        return await self._search("/feed/search", params, ("videos",), Video)

    async def search_hashtags(
        self, keywords: str, *, cursor: str | int = 0, count: int = MAX_ITEMS_PER_PAGE
    ) -> Page[Hashtag]:
        """Hashtags (challenges) matching `keywords`."""
        params = search_params(keywords, cursor, count)
        return await self._search(
            "/challenge/search", params, ("challenge_list", "challenges", "list"), Hashtag
        )

    async def _search(
        self, route: str, params: dict[str, str], keys: tuple[str, ...], model: type[ItemT]
    ) -> Page[ItemT]:
        """One page of a search route: its list under the first of `keys` the answer has."""
        data = await self._call(route, params, ApiRejected)
        return _validated(route, None, data, lambda: parse_page(data, keys, model))

    @property
    def monthly_budget(self) -> int | None:
        return self.budget.monthly

    async def calls_this_month(self) -> int:
        """Calls this UTC month by every process (as last read from the database) plus this one's since."""
        return await self.budget.used()

    def remaining_budget(self) -> int | None:
        """Calls left this month by the last count (None: no budget set)."""
        return self.budget.remaining()

    async def _stored_calls(self, month: date) -> int:
        """The call log's rows for `month` plus this process's rows not yet written."""
        assert self.pool is not None  # only counted from the log when there is one
        async with self.pool.acquire(timeout=5.0) as conn:
            stored = await count_calls_in_month(conn, month, PROVIDER)
        return stored + self.recorder.pending

    async def _call(self, path: str, params: dict[str, str], not_found: type[MetricsApiError]) -> Any:
        """GET `path` until it succeeds, fails for good, or the retries are spent; returns `data`."""
        if self._missing_key is not None:
            raise ApiRejected(self._missing_key, endpoint=path)
        if self.budget.monthly is not None and self.shared is None:
            await self.budget.used()  # read again when stale
        last: Attempt | None = None
        for attempt in range(self.retries + 1):
            if self.shared is None:
                self.budget.take(path)
            async with self._semaphore:
                if self.shared is None:
                    await self.bucket.acquire()
                else:
                    await self._shared_slot(path)
                last = await self._attempt(path, params)
            if last.outcome == "ok":
                return last.data
            if last.outcome == "not_found":
                # "gone" or "vague" evidence: whoever stops something for good weighs it (evidence.judge).
                vague = last.evidence == "vague" and issubclass(not_found, VideoUnavailable)
                failure = VideoUnreadable if vague else not_found
                raise failure(last.reason, endpoint=path, status=last.status, evidence=last.evidence)
            if last.outcome == "rejected":
                raise ApiRejected(last.reason, endpoint=path, status=last.status)
            if last.outcome == "quota":
                raise QuotaExhausted(last.reason, endpoint=path, status=last.status)
            if attempt == self.retries:
                break
            if last.retry_after is not None:
                if last.retry_after > self.max_retry_after:
                    wait = f"the API asked to wait {last.retry_after:.0f} s"
                    raise RateLimited(f"{_named(path)}: {wait}", endpoint=path, status=429)
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
        detail = f"{_named(path)} failed {tries} time{'s' if tries > 1 else ''}; last: {last.reason}"
        if last.outcome == "throttled":
            raise RateLimited(detail, endpoint=path, status=last.status, attempts=tries)
        raise ApiUnavailable(detail, endpoint=path, status=last.status, attempts=tries)

    async def _shared_slot(self, path: str) -> None:
        """Count the attempt against the shared budget and wait for its shared send time; with the
        database away, this process's own count and token bucket."""
        assert self.shared is not None
        month = self.budget.count.month()
        try:
            granted = await self.shared.acquire(month)
        except BudgetUsedUp:
            raise self.budget.used_up(path) from None
        if granted.used is not None:
            self.budget.count.set(month, granted.used)
            return
        self.budget.take(path)
        await self.bucket.acquire()

    async def _attempt(self, path: str, params: dict[str, str]) -> Attempt:
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
                result = classify(response.status, response.headers, body, self.clock.now())
        except TimeoutError:
            result = Attempt("transient", reason=f"no answer within {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            result = Attempt("transient", reason=f"{type(exc).__name__}: {first_line(exc)}")
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


async def _all_pages(
    fetch: Callable[[str, int], Awaitable[Page[ItemT]]], per_page: int, limit: int
) -> list[ItemT]:
    """Follows pages (fetch(cursor, count)) until the end or `limit` items."""
    found: list[ItemT] = []
    cursor = "0"
    while len(found) < limit:
        page = await fetch(cursor, min(per_page, limit - len(found)))
        found.extend(page.items)
        if page.at_end or page.cursor == cursor:
            break
        cursor = page.cursor
    return found[:limit]


def _named(path: str) -> str:
    """An endpoint as the words of an error name it: its path, the video endpoint's "/" said in words."""
    return "the video endpoint (/)" if path == "/" else path


def _validated(
    path: str, model: type[ItemT] | None, data: Any, build: Callable[[], Any] | None = None
) -> Any:
    """`model` (or `build()`) from an answer's data; a malformed answer is a failed call, MalformedAnswer,
    logged with the field at fault and never the whole body."""
    try:
        return build() if build is not None else model.model_validate(data)  # type: ignore[union-attr]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        detail = f"{where}: {first['msg'].removeprefix('Value error, ')}"
        more = exc.error_count() - 1
        log.warning("malformed answer from %s: %s%s", path, detail, f" (and {more} more)" if more else "")
        raise MalformedAnswer(detail, endpoint=path, field=where) from None


def _video_ref(video: str | VideoRef) -> VideoRef:
    return video if isinstance(video, VideoRef) else parse_video_url(video)
