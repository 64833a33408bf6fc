"""Helpers for the watch tests: step the clock through due polls, count what was written."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from bot.polling import AccountPoller
from bot.watch_models import PollReport
from tests.watch.conftest import World


async def poll_until(world: World, until: datetime, polling: AccountPoller | None = None) -> PollReport:
    """Moves the clock to each due poll up to `until` in turn and runs it; ends with the clock at `until`."""
    service = polling or world.polling
    report = PollReport()
    for _ in range(10_000):
        due = await service.next_due_at()
        if due is None or due > until:
            break
        world.clock.set(max(due, world.clock.now()))
        step = await service.run_due()
        report.outcomes.extend(step.outcomes)
        if not step.outcomes:  # due but held by someone else's lease: let time pass
            world.clock.set(min(until, world.clock.now() + (service.lease)))
    else:
        raise AssertionError("polls never settled")
    world.clock.set(until)
    return report


async def outbox(pool: asyncpg.Pool, kind: str) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM notification_outbox WHERE kind = $1 ORDER BY id", kind)


async def count(pool: asyncpg.Pool, sql: str, *args: object) -> int:
    return int(await pool.fetchval(sql, *args))
