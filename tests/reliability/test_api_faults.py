"""The metrics API failing 30% of calls (5xx, 429, timeouts): every check still completes, once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from bot.clock import ManualClock
from bot.sandbox.metrics import MetricsSimulator
from db.snapshots import count_duplicates
from tests.conftest import MakeStack
from tests.reliability.helpers import (
    all_done,
    assert_each_sent_once,
    teams_with_due_posts,
)

POSTS = 120


async def test_every_check_completes_once_while_30_percent_of_api_calls_fail(
    make_stack: MakeStack, clean_db: asyncpg.Pool, dsn: str, clock: ManualClock
) -> None:
    sim = MetricsSimulator(
        clock=clock,
        seed=30,
        error_rate=0.10,  # 503
        rate_429=0.10,  # 429 with Retry-After
        timeout_rate=0.10,  # no answer within the client's timeout
        retry_after=0.05,
        hang_seconds=1.0,
    )
    stack = await make_stack(dsn=dsn, simulator=sim, timeout=0.3)
    teams = await teams_with_due_posts(stack.emulator, clean_db, 12, POSTS, clock.now())

    async with asyncio.timeout(120):
        while not await all_done(clean_db, POSTS):
            # A check whose every retry failed is put back a minute or more later (on the bot's clock):
            # move the clock on so those come due again. Their next scheduled check is hours away.
            clock.advance(timedelta(minutes=2))
            await asyncio.sleep(0.5)

    # The faults really happened, on a good share of the calls.
    assert sim.sent_errors > 0 and sim.sent_429 > 0 and sim.sent_timeouts > 0
    assert sim.sent_errors + sim.sent_429 + sim.sent_timeouts >= 0.15 * sim.calls
    async with clean_db.acquire() as conn:
        assert await count_duplicates(conn) == 0
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_post_analytics") == POSTS
    assert_each_sent_once(stack.emulator, teams, POSTS)
    stack.emulator.assert_no_violations()
