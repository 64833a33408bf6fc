"""Fixtures for the fault tests: the emulator and simulator a bot process connects to (the in-process bot is
`make_stack` of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import pytest

from bot.discord_endpoints import restore_discord_endpoints
from bot.sandbox.discord import DiscordEmulator
from bot.sandbox.metrics import MetricsSimulator
from tests.conftest import BOT_START
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


@pytest.fixture
def start() -> datetime:
    return BOT_START
