"""Fixtures for the check-back tests: the simulator on loopback and the services, all on one ManualClock."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from bot.checkbacks import CheckbackRunner
from bot.clock import ManualClock
from bot.metrics import MetricsClient
from bot.notifications import OutboxDispatcher, RecordingSender
from bot.sandbox.metrics import MetricsSimulator
from bot.tracking import TrackingService

# Mid-month, so a 30-day schedule crosses into the next month only where a test wants it to.
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CHANNEL = 555_000_000_000_000_001


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[MetricsSimulator]:
    simulator = MetricsSimulator(clock=clock, seed=11, retry_after=0.01)
    await simulator.start()
    yield simulator
    await simulator.stop()


MakeClient = Callable[..., Awaitable[MetricsClient]]


@pytest.fixture
async def make_client(
    sim: MetricsSimulator, clock: ManualClock, clean_db: asyncpg.Pool
) -> AsyncIterator[MakeClient]:
    made: list[MetricsClient] = []

    async def build(**overrides: Any) -> MetricsClient:
        options: dict[str, Any] = {
            "rate": 1000.0,
            "retries": 1,
            "timeout": 2.0,
            "backoff_base": 0.005,
            "backoff_max": 0.02,
            "clock": clock,
            "pool": clean_db,
            "rng": random.Random(1),
        }
        options.update(overrides)
        client = MetricsClient(sim.base_url, **options)
        made.append(client)
        return client

    yield build
    for client in made:
        await client.close()


@dataclass
class World:
    """The pieces a check-back test drives."""

    pool: asyncpg.Pool
    clock: ManualClock
    sim: MetricsSimulator
    client: MetricsClient
    tracking: TrackingService
    runner: CheckbackRunner
    sender: RecordingSender
    dispatcher: OutboxDispatcher

    def advance(self, **delta: float) -> datetime:
        return self.clock.advance(timedelta(**delta))


@pytest.fixture
async def world(
    clean_db: asyncpg.Pool, clock: ManualClock, sim: MetricsSimulator, make_client: MakeClient
) -> World:
    client = await make_client()
    sender = RecordingSender()
    return World(
        pool=clean_db,
        clock=clock,
        sim=sim,
        client=client,
        tracking=TrackingService(clean_db, client, clock),
        runner=CheckbackRunner(clean_db, client, clock, concurrency=16),
        sender=sender,
        dispatcher=OutboxDispatcher(
            clean_db, sender, clock, default_channel_id=CHANNEL, channel_interval=0.0
        ),
    )


def video_url(video_id: str | int, username: str = "maker_jo") -> str:
    return f"https://www.tiktok.com/@{username}/video/{video_id}"
