"""The metrics API's rate and monthly budget held in Postgres: several clients together stay within them."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.errors import QuotaExhausted
from bot.metrics import MetricsClient
from bot.metrics.call_log import UsageRecorder
from bot.sandbox.metrics import MetricsSimulator
from db.pool import create_pool
from db.ratelimit import calls_in_month
from tests.conftest import MID_MONTH
from tests.reliability.helpers import CutPool, eventually

NOW = MID_MONTH
MONTH = date(2026, 3, 1)
URL = "https://www.tiktok.com/@maker_jo/video/7301234567890123456"


@pytest.fixture
def start() -> datetime:
    """The simulator's clock (its faults here are queued with fail_next, so its seed does not matter)."""
    return NOW


def shared_client(sim: MetricsSimulator, pool: asyncpg.Pool, **overrides: Any) -> MetricsClient:
    options: dict[str, Any] = {
        "rate": 50.0,
        "retries": 0,
        "timeout": 5.0,
        "clock": ManualClock(NOW),
        "pool": pool,
        "shared_limits": True,
        "rng": random.Random(2),
    }
    options.update(overrides)
    assert sim.base_url is not None
    return MetricsClient(sim.base_url, **options)


def most_in_any_window(arrivals: list[float], rate: float) -> int:
    """The largest excess of requests over rate x t in any window [a_i, a_j] of the arrivals."""
    times = sorted(arrivals)
    worst = 0.0
    for i in range(len(times)):
        for j in range(i, len(times)):
            worst = max(worst, (j - i + 1) - rate * (times[j] - times[i]))
    return int(worst)


async def test_two_clients_on_one_database_stay_within_the_shared_rate(
    clean_db: asyncpg.Pool, sim: MetricsSimulator
) -> None:
    rate, each = 50.0, 50
    # The simulator refuses anything faster than the rate the two clients share: one client alone at
    # the full rate is fine, two clients each pacing itself at it would draw 429s at once.
    sim.rate_limit = rate
    first, second = shared_client(sim, clean_db, rate=rate), shared_client(sim, clean_db, rate=rate)
    try:
        results = await asyncio.gather(
            *(c.video_info(URL) for c in (first, second) for _ in range(each)), return_exceptions=True
        )
    finally:
        await first.close()
        await second.close()
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sim.sent_429 == 0
    assert first.shared is not None and second.shared is not None
    assert first.shared.granted > 0 and second.shared.granted > 0  # both really took part
    arrivals = [r.at for r in sim.requests]
    assert len(arrivals) == 2 * each
    # Slots are 1/rate apart whoever takes them; a busy machine only spreads arrivals further. A few
    # requests of slack: each client may send one overdue request after a stall, plus loopback jitter.
    assert most_in_any_window(arrivals, rate) <= 4
    assert (len(arrivals) - 1) <= rate * (max(arrivals) - min(arrivals)) + 2


async def test_the_same_two_clients_pacing_only_themselves_are_refused(
    clean_db: asyncpg.Pool, sim: MetricsSimulator
) -> None:
    # The control for the test above: the same load with process-local buckets exceeds the rate.
    sim.rate_limit = 50.0
    first = shared_client(sim, clean_db, shared_limits=False)
    second = shared_client(sim, clean_db, shared_limits=False)
    try:
        await asyncio.gather(
            *(c.video_info(URL) for c in (first, second) for _ in range(50)), return_exceptions=True
        )
    finally:
        await first.close()
        await second.close()
    assert sim.sent_429 > 0


async def test_a_budget_shared_by_two_clients_is_never_exceeded(
    clean_db: asyncpg.Pool, sim: MetricsSimulator
) -> None:
    budget = 25
    first = shared_client(sim, clean_db, rate=1000.0, monthly_budget=budget)
    second = shared_client(sim, clean_db, rate=1000.0, monthly_budget=budget)
    try:
        results = await asyncio.gather(
            *(c.video_info(URL) for c in (first, second) for _ in range(30)), return_exceptions=True
        )
    finally:
        await first.close()
        await second.close()
    refused = [r for r in results if isinstance(r, QuotaExhausted)]
    assert len(results) - len(refused) == budget
    assert len(refused) == 60 - budget
    assert sim.calls == budget  # a refused call never reached the API
    async with clean_db.acquire() as conn:
        assert await calls_in_month(conn, MONTH) == budget
    assert await first.calls_this_month() == budget
    assert first.remaining_budget() == 0


async def test_the_counter_starts_from_the_calls_already_recorded_this_month(
    clean_db: asyncpg.Pool, sim: MetricsSimulator
) -> None:
    # Twenty calls recorded before the counter existed (or by an older version) count against it.
    await clean_db.execute(
        """
        INSERT INTO api_usage_tracking (provider_name, platform, endpoint, request_count, success, date,
                                        requested_at)
        SELECT 'tiktok-scraper7', 'tiktok', '/', 1, true, $1::date, $2 FROM generate_series(1, 20)
        """,
        NOW.date(),
        NOW,
    )
    client = shared_client(sim, clean_db, rate=1000.0, monthly_budget=23)
    try:
        results = await asyncio.gather(*(client.video_info(URL) for _ in range(5)), return_exceptions=True)
    finally:
        await client.close()
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 3
    assert sum(1 for r in results if isinstance(r, QuotaExhausted)) == 2


async def test_fifty_concurrent_sql_callers_count_exactly_the_budget(clean_db: asyncpg.Pool) -> None:
    async def take() -> int | None:
        async with clean_db.acquire() as conn:
            return await conn.fetchval("SELECT take_budget_call('tiktok-scraper7', $1, 15)", MONTH)

    counts = await asyncio.gather(*(take() for _ in range(50)))
    granted = sorted(c for c in counts if c is not None)
    assert granted == list(range(1, 16))
    # Another month starts from nothing.
    assert (
        await clean_db.fetchval("SELECT take_budget_call('tiktok-scraper7', $1, 15)", date(2026, 4, 1)) == 1
    )


async def test_rate_slots_handed_out_at_once_are_one_interval_apart(clean_db: asyncpg.Pool) -> None:
    async def slot() -> datetime:
        async with clean_db.acquire() as conn:
            return await conn.fetchval("SELECT send_at FROM take_rate_slot('slots-test', 20)")

    slots = sorted(await asyncio.gather(*(slot() for _ in range(30))))
    gaps = {round((b - a).total_seconds(), 6) for a, b in zip(slots, slots[1:], strict=False)}
    assert gaps == {0.05}


async def test_retry_after_from_one_client_holds_back_the_other(
    clean_db: asyncpg.Pool, sim: MetricsSimulator
) -> None:
    sim.retry_after = 0.5
    sim.fail_next(1, "429")
    first = shared_client(sim, clean_db, retries=2, max_retry_after=5.0)
    second = shared_client(sim, clean_db)
    try:
        held = asyncio.create_task(first.video_info(URL))
        # Wait until the first client has told the database to hold every process back.
        await eventually(
            lambda: clean_db.fetchval(
                "SELECT next_slot > clock_timestamp() + interval '0.2 s' FROM metrics_rate_slots"
            ),
            within=10,
            what="the shared pause",
        )
        await second.video_info(URL)
        await held
    finally:
        await first.close()
        await second.close()
    throttled = next(r for r in sim.requests if r.status == 429)
    after = [r for r in sim.requests if r.status == 200]
    assert len(after) == 2
    assert min(r.at for r in after) >= throttled.at + 0.45


async def _closed_pool(dsn: str) -> Any:
    pool = await create_pool(dsn, max_size=2)
    await pool.close()  # every acquire now fails, as in an outage
    return pool


async def _cut_pool(_dsn: str) -> Any:
    return CutPool()


@pytest.mark.parametrize(
    "away", [_closed_pool, _cut_pool], ids=["every acquire fails", "a connection cut by the shutdown"]
)
async def test_with_the_database_away_a_client_paces_itself_and_still_calls(
    dsn: str, sim: MetricsSimulator, away: Callable[[str], Awaitable[Any]]
) -> None:
    client = shared_client(sim, await away(dsn), recorder=UsageRecorder(None))
    try:
        await client.video_info(URL)
    finally:
        await client.close()
    assert client.shared is not None and client.shared.fallbacks == 1
    assert sim.calls == 1
