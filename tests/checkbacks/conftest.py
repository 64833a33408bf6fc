"""Fixtures for the check-back tests: the services on the simulator, all on one ManualClock (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.sandbox.metrics import MetricsSimulator
from tests.conftest import MakeClient, Services

__all__ = ["MakeClient"]  # the check-back tests import it from here

CHANNEL = 555_000_000_000_000_001


@pytest.fixture
def sim_seed() -> int:
    return 11


@pytest.fixture
def client_options(client_options: dict[str, Any], clean_db: asyncpg.Pool) -> dict[str, Any]:
    """Clients that record their calls in the test database."""
    return {**client_options, "pool": clean_db}


World = Services  # the pieces a check-back test drives


@pytest.fixture
async def world(
    clean_db: asyncpg.Pool, clock: ManualClock, sim: MetricsSimulator, make_client: MakeClient
) -> World:
    return World.on(clean_db, clock, sim, await make_client(), channel=CHANNEL, concurrency=16)


def video_url(video_id: str | int, username: str = "maker_jo") -> str:
    return f"https://www.tiktok.com/@{username}/video/{video_id}"
