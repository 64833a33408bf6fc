"""The monthly API budget: tracking refused when it cannot be covered, checks postponed (never dropped)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.checkbacks import CheckbackRunner
from bot.errors import BudgetExceeded
from bot.metrics import MetricsClient
from bot.tracking import TrackingService
from db import snapshots as db_snapshots

from .conftest import MakeClient, World, video_url


async def _budgeted(
    world: World, make_client: MakeClient, budget: int, video_id: str
) -> tuple[MetricsClient, TrackingService]:
    """A client and a tracking service with a monthly budget of `budget` calls; the video, published a
    minute ago, exists."""
    world.sim.add_video(video_id, world.clock.now() - timedelta(minutes=1))
    client = await make_client(monthly_budget=budget)
    return client, TrackingService(world.pool, client, world.clock, budget=client.budget)


async def test_tracking_a_post_the_budget_cannot_cover_is_refused(
    world: World, make_client: MakeClient
) -> None:
    # Published now, on March 2nd: the first snapshot plus the 8 checks before April 1st (30d falls on April 1st).
    client, tracking = await _budgeted(world, make_client, 15, "7400000000000000001")
    first = await tracking.track(None, video_url("7400000000000000001"))
    assert not first.already_tracked

    world.sim.add_video("7400000000000000002", world.clock.now() - timedelta(minutes=1))
    calls = world.sim.calls
    with pytest.raises(BudgetExceeded) as err:
        await tracking.track(None, video_url("7400000000000000002"))
    facts = err.value.facts
    assert facts["needed"] == 9 and facts["budget"] == 15 and facts["promised"] == 8
    assert facts["used"] == 1 and facts["available"] == 15 - 1 - 8
    assert "needs up to 9 API calls" in err.value.user_message
    assert "renews on April 1" in err.value.user_message
    # Decided before the call: the refused track reached no API and spent nothing of the month.
    assert world.sim.calls == calls
    assert await client.budget.used() == 1
    assert await world.pool.fetchval("SELECT count(*) FROM social_media_posts") == 1


async def test_a_budget_of_3_refuses_a_track_that_needs_4_without_calling(
    world: World, make_client: MakeClient
) -> None:
    # March 2nd 09:14: the first snapshot plus the 1h, 6h and 12h checks... and more before April 1st.
    client, tracking = await _budgeted(world, make_client, 3, "7400000000000000003")
    for _ in range(2):  # refused twice, and the month is still whole
        with pytest.raises(BudgetExceeded):
            await tracking.track(None, video_url("7400000000000000003"))
    assert world.sim.calls == 0
    assert await client.budget.used() == 0
    assert await world.pool.fetchval("SELECT count(*) FROM api_usage_tracking") == 0


async def test_checks_past_the_budget_are_postponed_to_next_month_and_told_once(world: World) -> None:
    for i in range(5):
        world.sim.add_video(f"740000000000000000{i}", world.clock.now() - timedelta(minutes=1))
        await world.tracking.track(None if i < 3 else 8, video_url(f"740000000000000000{i}"))
    used = await world.client.calls_this_month()
    runner = CheckbackRunner(
        world.pool, world.client, world.clock, concurrency=16, budget=world.client.budget.limited(used + 2)
    )
    world.clock.advance(timedelta(hours=1, minutes=1))
    report = await runner.run_once()
    assert report.recorded == 2 and report.count("postponed") == 3
    april = datetime(2026, 4, 1, tzinfo=UTC)
    nexts = await world.pool.fetch(
        "SELECT next_check_at, checks_completed FROM social_media_posts ORDER BY id"
    )
    assert sorted(r["next_check_at"] == april for r in nexts) == [False, False, True, True, True]
    budget_rows = await world.pool.fetch(
        "SELECT guild_id, dedupe_key FROM notification_outbox WHERE kind = 'budget'"
    )
    assert {r["dedupe_key"] for r in budget_rows} <= {"budget:2026-03:cli", "budget:2026-03:8"}

    # More postponements in the same month add no second notice.
    world.clock.advance(timedelta(hours=5))
    await runner.run_once()
    again = await world.pool.fetch("SELECT dedupe_key FROM notification_outbox WHERE kind = 'budget'")
    assert len(again) == len({r["dedupe_key"] for r in again}) <= 2

    # On April 1st the postponed checks run, each coalescing what it missed; none was dropped.
    world.clock.set(april + timedelta(minutes=1))
    unlimited = CheckbackRunner(world.pool, world.client, world.clock, concurrency=16)
    report = await unlimited.run_once()
    assert report.recorded == 5
    rows = await world.pool.fetch("SELECT checks_completed, next_check_at FROM social_media_posts")
    assert all(r["checks_completed"] == 8 for r in rows)  # the 14d check answered, 30d still to come
    assert await db_snapshots.count_duplicates(world.pool) == 0


async def test_the_clients_own_quota_refusal_postpones_too(world: World, make_client: MakeClient) -> None:
    world.sim.add_video("7400000000000000001", world.clock.now() - timedelta(minutes=1))
    await world.tracking.track(None, video_url("7400000000000000001"))
    await world.client.close()
    used = await world.pool.fetchval("SELECT count(*) FROM api_usage_tracking")
    starved = await make_client(monthly_budget=used)
    runner = CheckbackRunner(world.pool, starved, world.clock)
    world.clock.advance(timedelta(hours=2))
    [outcome] = (await runner.run_once()).outcomes
    assert outcome.status == "postponed" and outcome.next_check_at == datetime(2026, 4, 1, tzinfo=UTC)
    assert await world.pool.fetchval("SELECT count(*) FROM notification_outbox WHERE kind = 'budget'") == 1
