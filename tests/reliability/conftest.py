"""Fixtures for the fault tests: the emulator and simulator a bot process connects to; the in-process bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.discord_endpoints import restore_discord_endpoints
from bot.sandbox.discord import DiscordEmulator
from bot.sandbox.metrics import MetricsSimulator
from bot.sandbox.stack import Stack
from tests.reliability.helpers import TOKEN


@dataclass
class Outside:
    """The world outside the bot process: Discord and the metrics API, both in this test's loop."""

    emu: DiscordEmulator
    sim: MetricsSimulator


@pytest.fixture
async def outside(clean_db: asyncpg.Pool) -> AsyncIterator[Outside]:
    emu, sim = DiscordEmulator(), MetricsSimulator(seed=5)
    await emu.start()
    await sim.start()
    emu.add_bot(TOKEN, "Checkback")
    try:
        yield Outside(emu, sim)
    finally:
        await sim.stop()
        await emu.stop()
        restore_discord_endpoints()


# Quick retries, so a test of faults does not wait out production backoffs.
FAST_CLIENT = {"backoff_base": 0.01, "backoff_max": 0.05, "max_retry_after": 0.5}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MakeStack = Callable[..., Awaitable[Stack]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def make_stack(clock: ManualClock) -> AsyncIterator[MakeStack]:
    """Starts the real bot with the emulator and a simulator (jobs ticking every 0.2 s of wall time, on a
    clock the test moves); `dsn` defaults to the session database. Everything stops after the test."""
    started: list[Stack] = []

    async def build(*, dsn: str, simulator: MetricsSimulator | None = None, **client: Any) -> Stack:
        stack = Stack(
            dsn=dsn,
            clock=clock,
            simulator=simulator,
            client_options={**FAST_CLIENT, **client},
            scheduler_options={"tick_seconds": 0.2, "outbox_seconds": 0.2},
        )
        started.append(stack)
        return await stack.start()

    try:
        yield build
    finally:
        for stack in started:
            await stack.stop()
        restore_discord_endpoints()
