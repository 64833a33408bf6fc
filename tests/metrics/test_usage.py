"""Usage rows: every API call becomes one api_usage_tracking row, written in the background; the budget and
/usage read them back."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.errors import QuotaExhausted, VideoUnavailable
from bot.metrics import UsageRecorder
from bot.sandbox.metrics import MetricsSimulator
from db.api_usage import PROVIDER, UsageRow, count_calls_in_month, insert_usage, usage_summary
from db.pool import create_pool
from tests.metrics.conftest import START, MakeClient

URL = "https://www.tiktok.com/@maker_jo/video/7400000000000000001"


def row(when: datetime, *, success: bool = True, latency_ms: int = 100, provider: str = PROVIDER) -> UsageRow:
    return UsageRow(
        endpoint="/",
        success=success,
        requested_at=when,
        latency_ms=latency_ms,
        status_code=200 if success else 503,
        error_message=None if success else "HTTP 503",
        provider_name=provider,
    )


@pytest.fixture
async def down_pool() -> AsyncIterator[asyncpg.Pool]:
    """A pool whose server is not there: every acquire fails, as when Postgres is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pool = await create_pool(f"postgresql://postgres@127.0.0.1:{port}/nothing", min_size=0)
    yield pool
    await pool.close()


async def test_every_call_success_or_not_is_one_row(
    clean_db: asyncpg.Pool, make_client: MakeClient, sim: MetricsSimulator
) -> None:
    client = await make_client(pool=clean_db)
    await client.video_info(URL)
    sim.fail_next(1, 503)
    await client.video_info(URL)
    sim.delete_video("7400000000000000404")
    with pytest.raises(VideoUnavailable):
        await client.video_info("https://www.tiktok.com/@maker_jo/video/7400000000000000404")
    await client.comments(URL)
    await client.close()  # flushes

    rows = await clean_db.fetch("SELECT * FROM api_usage_tracking ORDER BY id")
    assert len(rows) == 5 == sim.calls
    assert [(r["endpoint"], r["success"], r["status_code"]) for r in rows] == [
        ("/", True, 200),
        ("/", False, 503),
        ("/", True, 200),
        ("/", False, 200),  # HTTP 200 with code -1: a failed call
        ("/comment/list", True, 200),
    ]
    assert {(r["provider_name"], r["platform"], r["request_count"]) for r in rows} == {
        (PROVIDER, "tiktok", 1)
    }
    assert all(r["date"] == START.date() and r["requested_at"] == START for r in rows)
    assert all(r["latency_ms"] is not None and r["latency_ms"] >= 0 for r in rows)
    assert rows[1]["error_message"] == "HTTP 503" and "Url parsing" in rows[3]["error_message"]
    assert rows[0]["error_message"] is None


async def test_the_key_never_reaches_the_usage_rows(
    clean_db: asyncpg.Pool, make_client: MakeClient, sim: MetricsSimulator
) -> None:
    sim.require_key = "the-right-one"
    client = await make_client(pool=clean_db, api_key="secret-key-xyz")
    with pytest.raises(Exception):  # noqa: B017 - ApiRejected; only the row matters here
        await client.video_info(URL)
    await client.close()
    text = " ".join(str(dict(r)) for r in await clean_db.fetch("SELECT * FROM api_usage_tracking"))
    assert "403" in text and "secret-key-xyz" not in text


async def test_rows_are_written_in_the_background_without_a_flush(clean_db: asyncpg.Pool) -> None:
    recorder = UsageRecorder(clean_db, flush_interval=0.05)
    for _ in range(3):
        recorder.record(row(START))
    assert recorder.pending == 3  # record() returned without touching the database
    for _ in range(200):  # wait for the background flush (deadline 10 s, normally ~50 ms)
        if await clean_db.fetchval("SELECT count(*) FROM api_usage_tracking") == 3:
            break
        await asyncio.sleep(0.05)
    assert await clean_db.fetchval("SELECT count(*) FROM api_usage_tracking") == 3
    await recorder.close()
    assert recorder.written == 3 and recorder.pending == 0


async def test_a_full_batch_is_written_in_one_go(clean_db: asyncpg.Pool) -> None:
    recorder = UsageRecorder(clean_db, batch_size=50, flush_interval=60)
    for _ in range(120):
        recorder.record(row(START))
    assert await recorder.flush() == 120
    assert await clean_db.fetchval("SELECT count(*) FROM api_usage_tracking") == 120
    await recorder.close()


async def test_with_the_database_down_rows_wait_in_memory_up_to_a_bound(
    clean_db: asyncpg.Pool, down_pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = UsageRecorder(down_pool, max_pending=10, flush_interval=60, acquire_timeout=2)
    for _ in range(15):
        recorder.record(row(START))
    assert await recorder.flush() == 0  # no exception
    assert recorder.pending == 10 and recorder.dropped == 5
    assert "usage rows not written" in caplog.text
    recorder.pool = clean_db  # the database is back
    assert await recorder.flush() == 10
    assert await clean_db.fetchval("SELECT count(*) FROM api_usage_tracking") == 10
    await recorder.close()


async def test_without_a_pool_nothing_is_kept_and_nothing_fails() -> None:
    recorder = UsageRecorder(None)
    recorder.record(row(START))
    assert await recorder.flush() == 0
    assert (recorder.recorded, recorder.pending, recorder.dropped) == (1, 0, 1)
    await recorder.close()


async def test_calls_are_counted_by_utc_month_and_provider(clean_db: asyncpg.Pool) -> None:
    async with clean_db.acquire() as conn:
        await insert_usage(
            conn,
            [
                row(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
                row(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)),
                row(START, success=False),
                row(datetime(2026, 2, 28, 23, 59, tzinfo=UTC)),  # last month
                row(datetime(2026, 4, 1, 0, 0, tzinfo=UTC)),  # next month
                row(START, provider="another-api"),
            ],
        )
        assert await count_calls_in_month(conn, date(2026, 3, 1)) == 3
        assert await count_calls_in_month(conn, date(2026, 3, 20)) == 3
        assert await count_calls_in_month(conn, date(2026, 2, 1)) == 1


async def test_usage_summary(clean_db: asyncpg.Pool) -> None:
    today = START
    yesterday = START - timedelta(days=1)
    async with clean_db.acquire() as conn:
        await insert_usage(
            conn,
            [
                row(today, latency_ms=100),
                row(today, latency_ms=300, success=False),
                row(yesterday, latency_ms=200),
                row(yesterday, latency_ms=400, success=False),
                row(datetime(2026, 2, 10, tzinfo=UTC), latency_ms=9000),  # another month
            ],
        )
        summary = await usage_summary(conn, today.date(), today.date().replace(day=1))
        empty = await usage_summary(conn, date(2025, 1, 1), date(2025, 1, 1))
    assert (summary.calls_today, summary.calls_month, summary.errors_today) == (2, 4, 1)
    assert summary.error_rate == 0.5
    assert summary.median_latency_ms == 250.0
    assert (empty.calls_month, empty.error_rate, empty.median_latency_ms) == (0, None, None)


async def test_the_budget_counts_calls_other_processes_recorded(
    clean_db: asyncpg.Pool, make_client: MakeClient, sim: MetricsSimulator
) -> None:
    async with clean_db.acquire() as conn:
        await insert_usage(conn, [row(START - timedelta(days=i)) for i in range(5)])
        await insert_usage(conn, [row(START - timedelta(days=40))])  # February's call does not count
    full = await make_client(pool=clean_db, monthly_budget=5)
    with pytest.raises(QuotaExhausted):
        await full.video_info(URL)
    assert sim.calls == 0
    assert await full.calls_this_month() == 5 and full.remaining_budget() == 0

    roomy = await make_client(pool=clean_db, monthly_budget=7)
    await roomy.video_info(URL)
    await roomy.video_info(URL)
    with pytest.raises(QuotaExhausted):
        await roomy.video_info(URL)
    assert sim.calls == 2


async def test_the_count_includes_this_process_calls_not_yet_written(
    clean_db: asyncpg.Pool, make_client: MakeClient, clock: ManualClock
) -> None:
    client = await make_client(pool=clean_db, budget_refresh=0.0)  # read the database every time
    client.recorder.flush_interval = 60  # keep the rows pending
    await client.video_info(URL)
    await client.video_info(URL)
    assert await client.calls_this_month() == 2
    await client.recorder.flush()
    assert await client.calls_this_month() == 2
