"""Fixtures for the watch tests: the simulator, the metrics client and the services on one ManualClock."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
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
from bot.watch import WatchService

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CHANNEL = 555_000_000_000_000_001
GUILD = 111_000_000_000_000_001
OTHER_GUILD = 111_000_000_000_000_002


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[MetricsSimulator]:
    simulator = MetricsSimulator(clock=clock, seed=7, retry_after=0.01)
    await simulator.start()
    yield simulator
    await simulator.stop()


@dataclass
class World:
    """The pieces a watch test drives; `new_process()` gives a second worker on the same database."""

    pool: asyncpg.Pool
    clock: ManualClock
    sim: MetricsSimulator
    client: MetricsClient
    tracking: TrackingService
    watches: WatchService
    runner: CheckbackRunner
    sender: RecordingSender
    dispatcher: OutboxDispatcher
    make: Callable[..., Any]

    def advance(self, **delta: float) -> datetime:
        return self.clock.advance(timedelta(**delta))

    def new_process(self, **options: Any) -> World:
        return self.make(**options)

    def embeds(self, kind_title: str) -> list[dict[str, Any]]:
        """Every embed sent so far whose title contains `kind_title`."""
        return [e for m in self.sender.messages for e in m.embeds if kind_title in (e.get("title") or "")]


@pytest.fixture
async def world(clean_db: asyncpg.Pool, clock: ManualClock, sim: MetricsSimulator) -> AsyncIterator[World]:
    clients: list[MetricsClient] = []

    def make(*, monthly_budget: int | None = None, **watch_options: Any) -> World:
        client = MetricsClient(
            sim.base_url,
            rate=1000.0,
            retries=1,
            timeout=2.0,
            backoff_base=0.005,
            backoff_max=0.02,
            clock=clock,
            pool=clean_db,
            rng=random.Random(1),
            monthly_budget=monthly_budget,
            budget_refresh=0.0,
        )
        clients.append(client)
        tracking = TrackingService(clean_db, client, clock, monthly_budget=monthly_budget)
        sender = RecordingSender()
        return World(
            pool=clean_db,
            clock=clock,
            sim=sim,
            client=client,
            tracking=tracking,
            watches=WatchService(
                clean_db, client, clock, tracking=tracking, monthly_budget=monthly_budget, **watch_options
            ),
            runner=CheckbackRunner(clean_db, client, clock, concurrency=8, monthly_budget=monthly_budget),
            sender=sender,
            dispatcher=OutboxDispatcher(
                clean_db, sender, clock, default_channel_id=CHANNEL, channel_interval=0.0
            ),
            make=make,
        )

    yield make()
    for client in clients:
        await client.close()
