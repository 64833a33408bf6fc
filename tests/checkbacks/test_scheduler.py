"""The APScheduler wiring: the interval tick and the date job at the next due check both run the runner."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.scheduler import CHECKS_WAKE, Scheduler

from .conftest import World, video_url


async def wait_for_snapshots(world: World, count: int, deadline: float = 15.0) -> int:
    """Polls until `count` snapshots exist (or the deadline passes); returns how many there are."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        n = await world.pool.fetchval("SELECT count(*) FROM social_media_post_analytics")
        if n >= count or loop.time() > end:
            return n
        await asyncio.sleep(0.05)


async def test_the_tick_runs_due_checks_and_dispatches_their_notifications(world: World) -> None:
    world.sim.add_video("7400000000000000001", world.clock.now() - timedelta(minutes=1))
    await world.tracking.track(None, video_url("7400000000000000001"))
    world.advance(hours=1)
    scheduler = Scheduler(world.runner, world.clock, world.dispatcher, tick_seconds=0.1, outbox_seconds=0.1)
    scheduler.start()
    try:
        assert await wait_for_snapshots(world, 2) == 2
        async with asyncio.timeout(15):
            while not world.sender.messages:  # noqa: ASYNC110 - the sender has no event to wait on
                await asyncio.sleep(0.05)
            # Nothing more is sent: two more dispatcher runs, each of which would have sent a duplicate.
            runs = world.dispatcher.runs
            while world.dispatcher.runs < runs + 2:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await scheduler.shutdown()
    assert len(world.sender.messages) == 1


async def test_tracking_a_post_arms_the_wake_up_for_its_first_check(world: World) -> None:
    # The interval is an hour: only the date job can run the check in this test.
    scheduler = Scheduler(world.runner, world.clock, tick_seconds=3600)
    world.tracking.on_scheduled = scheduler.wake_at
    scheduler.start()
    try:
        # The first tick (at start) runs with nothing due: waited on, so it cannot be the one that
        # runs the check below.
        async with asyncio.timeout(15):
            while scheduler.runs < 1:  # noqa: ASYNC110 - the scheduler's run counter has no event
                await asyncio.sleep(0.01)
        world.sim.add_video("7400000000000000001", world.clock.now() - timedelta(minutes=59, seconds=59))
        result = await world.tracking.track(None, video_url("7400000000000000001"))
        job = scheduler.scheduler.get_job(CHECKS_WAKE)
        assert job is not None and scheduler._armed_for == result.post.next_check_at
        world.advance(seconds=2)  # due now on the clock; the job armed for it fires about a second later
        assert await wait_for_snapshots(world, 2) == 2
    finally:
        await scheduler.shutdown()
