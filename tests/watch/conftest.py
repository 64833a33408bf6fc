"""Fixtures for the watch tests: the services on the simulator, all on one ManualClock (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.polling import AccountPoller
from bot.sandbox.metrics import MetricsSimulator
from bot.watches import WatchService
from tests.conftest import NewClient, Services

CHANNEL = 555_000_000_000_000_001
GUILD = 111_000_000_000_000_001
OTHER_GUILD = 111_000_000_000_000_002


@dataclass
class World(Services):
    """The pieces a watch test drives; `new_process()` gives a second worker on the same database."""

    watches: WatchService
    polling: AccountPoller
    make: Callable[..., Any]

    def new_process(self, **options: Any) -> World:
        return self.make(**options)

    def embeds(self, kind_title: str) -> list[dict[str, Any]]:
        """Every embed sent so far whose title contains `kind_title`."""
        return [e for m in self.sender.messages for e in m.embeds if kind_title in (e.get("title") or "")]


@pytest.fixture
async def world(
    clean_db: asyncpg.Pool, clock: ManualClock, sim: MetricsSimulator, new_client: NewClient
) -> World:
    def make(*, monthly_budget: int | None = None, **watch_options: Any) -> World:
        client = new_client(pool=clean_db, monthly_budget=monthly_budget, budget_refresh=0.0)
        base = Services.on(clean_db, clock, sim, client, channel=CHANNEL, concurrency=8)
        polling = AccountPoller(
            clean_db, client, clock, tracking=base.tracking, budget=client.budget, **watch_options
        )
        watches = WatchService(clean_db, client, clock, polling=polling)
        return World(**vars(base), watches=watches, polling=polling, make=make)

    return make()
