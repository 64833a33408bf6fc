"""End-to-end fixtures: the real bot on a socket to the Discord emulator, the simulator and Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.discord_endpoints import restore_discord_endpoints
from bot.sandbox.stack import Stack

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Quick retries so a test of faults does not wait out production backoffs.
FAST_CLIENT = {"backoff_base": 0.01, "backoff_max": 0.05, "max_retry_after": 0.1}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def stack(clean_db: asyncpg.Pool, dsn: str, clock: ManualClock) -> AsyncIterator[Stack]:
    """A running bot whose jobs tick every 0.2 s of wall time on a clock the test moves."""
    s = Stack(
        dsn=dsn,
        clock=clock,
        client_options=FAST_CLIENT,
        scheduler_options={"tick_seconds": 0.2, "outbox_seconds": 0.2},
    )
    await s.start()
    try:
        yield s
    finally:
        await s.stop()
        restore_discord_endpoints()
