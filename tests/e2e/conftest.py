"""End-to-end fixtures: the real bot on a socket to the Discord emulator, the simulator and Postgres
(`make_stack` of tests/conftest.py), early on a morning."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import pytest

from bot.sandbox.stack import Stack
from tests.conftest import BOT_START, MakeStack


@pytest.fixture
def start() -> datetime:
    return BOT_START


@pytest.fixture
def fast_client(fast_client: dict[str, Any]) -> dict[str, Any]:
    return {**fast_client, "max_retry_after": 0.1}


@pytest.fixture
async def stack(clean_db: asyncpg.Pool, dsn: str, make_stack: MakeStack) -> Stack:
    """A running bot whose jobs tick every 0.2 s of wall time on a clock the test moves."""
    return await make_stack(dsn=dsn)
