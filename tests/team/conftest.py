"""Fixtures for team data tests: services on the clean database, N separate connections, the real CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from bot.caps import LimitsService
from bot.metrics import MetricsClient
from bot.sandbox.metrics import MetricsSimulator
from tests.cli import run_cli
from tests.conftest import NewClient, open_connections

__all__ = ["open_connections", "run_cli"]  # the team tests import them from here

SIM_START = datetime(2026, 4, 10, 15, 0, tzinfo=UTC)


def import_line(**fields: object) -> str:
    """One line of a message import (JSON Lines): a fan's message to @brand, with `fields` changed (None
    leaves a field out)."""
    base: dict[str, object] = {
        "account": "brand",
        "participant": "fan",
        "text": "hello",
        "sent_at": "2026-03-01T12:00:00+02:00",
        "direction": "in",
        "external_id": "e1",
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None})


@pytest.fixture
def limits(clean_db: asyncpg.Pool) -> LimitsService:
    return LimitsService(clean_db)


@pytest.fixture
async def fifty_connections(dsn: str) -> AsyncIterator[list[asyncpg.Connection]]:
    """50 separate connections (not a pool's few), so 50 callers really race in Postgres."""
    conns = await open_connections(dsn, 50)
    yield conns
    await asyncio.gather(*(c.close() for c in conns))


async def clear_of_hour_boundary(conn: asyncpg.Connection) -> None:
    """Waits out the last seconds of a UTC hour, so a race of 50 callers cannot straddle two hours."""
    left = await conn.fetchval("SELECT 3600 - extract(epoch FROM now())::numeric % 3600")
    if left < 3:
        await asyncio.sleep(float(left) + 0.1)


@pytest.fixture
def start() -> datetime:
    """The simulator's moment, fixed so its answers are the same every run."""
    return SIM_START


@pytest.fixture
def sim_seed() -> int:
    return 11


@pytest.fixture
def simulator(sim: MetricsSimulator) -> MetricsSimulator:
    return sim


@pytest.fixture
def metrics(new_client: NewClient, clean_db: asyncpg.Pool) -> MetricsClient:
    """A client on the simulator, recording its calls in the test database, with no pacing to wait for."""
    return new_client(timeout=5.0, backoff_base=0.001, backoff_max=0.01, pool=clean_db)
