"""Fixtures for the metrics API tests: a simulator on loopback and clients pointed at it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.metrics import MetricsClient
from bot.sandbox.metrics import MetricsSimulator

# A fixed moment in mid-month, so nothing depends on the day the tests run.
START = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

MakeClient = Callable[..., Awaitable[MetricsClient]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[MetricsSimulator]:
    simulator = MetricsSimulator(clock=clock, seed=7, retry_after=0.01)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def make_client(sim: MetricsSimulator, clock: ManualClock) -> AsyncIterator[MakeClient]:
    """Builds clients on the simulator with small backoffs (tests stay fast); closes them afterwards."""
    made: list[MetricsClient] = []

    async def build(**overrides: Any) -> MetricsClient:
        options: dict[str, Any] = {
            "rate": 500.0,
            "retries": 2,
            "timeout": 2.0,
            "backoff_base": 0.005,
            "backoff_max": 0.05,
            "clock": clock,
            "rng": random.Random(1),
        }
        options.update(overrides)
        client = MetricsClient(options.pop("base_url", sim.base_url), **options)
        made.append(client)
        return client

    yield build
    for client in made:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient) -> MetricsClient:
    return await make_client()
