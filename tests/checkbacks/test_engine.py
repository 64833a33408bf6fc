"""The check-back engine on real Postgres and the simulator: schedule, coalescing, concurrency, failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.checkbacks import CheckbackRunner
from bot.errors import PostNotFound
from bot.render.posts import choice_label
from db import claims as db_claims
from db import snapshots as db_snapshots

from .conftest import CHANNEL, MakeClient, World, video_url

VID = "7400000000000000001"


async def outbox_rows(world: World, kind: str | None = None) -> list[dict]:
    rows = await world.pool.fetch(
        "SELECT kind, guild_id, post_id, payload, dedupe_key FROM notification_outbox"
        " WHERE $1::text IS NULL OR kind = $1 ORDER BY id",
        kind,
    )
    return [dict(r) for r in rows]


async def track_fresh(
    world: World, video_id: str = VID, *, age: timedelta = timedelta(minutes=1), **kw
) -> int:
    world.sim.add_video(video_id, world.clock.now() - age, username=kw.pop("username", "maker_jo"), **kw)
    result = await world.tracking.track(None, video_url(video_id))
    return result.post.id


async def test_full_30_day_schedule_records_ten_snapshots_and_completes(world: World) -> None:
    post_id = await track_fresh(world)
    runs = 0
    while True:
        post = await world.tracking.get_post(None, post_id)
        if post.next_check_at is None:
            break
        world.clock.set(post.next_check_at)
        report = await world.runner.run_once()
        assert [o.status for o in report.outcomes] == ["recorded"]
        runs += 1
        assert runs <= 9

    snaps = await db_snapshots.list_snapshots(world.pool, post_id)
    assert [s.check_index for s in snaps] == list(range(10))
    views = [s.views for s in snaps]
    assert views == sorted(views) and views[-1] > views[0]
    post = await world.tracking.get_post(None, post_id)
    assert post.tracking_complete and post.checks_completed == 9 and post.next_check_at is None
    # The original's SQL function agrees with the durable schedule.
    assert await world.pool.fetchval("SELECT get_next_check_time($1)", post_id) is None
    assert len(await outbox_rows(world, "checkback")) == 9
    final = (await outbox_rows(world, "checkback"))[-1]["payload"]
    assert final["final"] is True and final["check_index"] == 9 and final["offset"] == "30d"
    # Nothing more is due, ever.
    world.advance(days=60)
    assert (await world.runner.run_once()).outcomes == []


async def test_offsets_already_past_are_skipped_not_run_in_a_burst(world: World) -> None:
    post_id = await track_fresh(world, age=timedelta(hours=50))
    post = await world.tracking.get_post(None, post_id)
    assert post.checks_completed == 5  # 1h, 6h, 12h, 24h and 48h were past at tracking time
    assert post.next_check_at == post.posted_at + timedelta(hours=72)
    assert (await world.runner.run_once()).outcomes == []
    world.clock.set(post.next_check_at)
    report = await world.runner.run_once()
    assert [(o.check_index, o.skipped) for o in report.outcomes] == [(6, 0)]
    snaps = await db_snapshots.list_snapshots(world.pool, post_id)
    assert [s.check_index for s in snaps] == [0, 6]


async def test_tracking_twice_is_harmless_and_says_so(world: World) -> None:
    first = await world.tracking.track(None, video_url(VID))
    calls = world.sim.calls
    again = await world.tracking.track(None, video_url(VID))
    assert not first.already_tracked and again.already_tracked
    assert again.post.id == first.post.id
    assert world.sim.calls == calls  # no API call for a post already tracked
    assert len(await db_snapshots.list_snapshots(world.pool, first.post.id)) == 1

    # Another guild tracking it is linked, without an API call or a second schedule.
    other = await world.tracking.track(42, video_url(VID))
    assert not other.already_tracked and other.post.id == first.post.id and world.sim.calls == calls
    assert (
        await world.pool.fetchval("SELECT count(*) FROM guild_posts WHERE post_id = $1", first.post.id) == 2
    )


async def test_guild_schedule_is_used_for_its_posts(world: World) -> None:
    from db import guilds as db_guilds

    await db_guilds.set_checkback_offsets(world.pool, 7, [1800, 7200], world.clock.now())
    world.sim.add_video(VID, world.clock.now() - timedelta(minutes=1))
    result = await world.tracking.track(7, video_url(VID))
    assert result.post.checks_total == 2
    assert result.post.next_check_at == result.post.posted_at + timedelta(minutes=30)


async def test_a_post_that_missed_checks_gets_one_snapshot_for_the_latest(world: World) -> None:
    post_id = await track_fresh(world)
    world.advance(hours=50)  # down for two days: 1h, 6h, 12h, 24h and 48h all missed
    report = await world.runner.run_once()
    [outcome] = report.outcomes
    assert outcome.status == "recorded" and outcome.check_index == 5 and outcome.skipped == 4
    assert outcome.late is not None and timedelta(hours=2) <= outcome.late <= timedelta(hours=2, minutes=2)
    snaps = await db_snapshots.list_snapshots(world.pool, post_id)
    assert [s.check_index for s in snaps] == [0, 5]
    post = await world.tracking.get_post(None, post_id)
    assert post.checks_completed == 5 and post.next_check_at == post.posted_at + timedelta(hours=72)
    [row] = await outbox_rows(world, "checkback")
    assert row["payload"]["skipped"] == 4 and row["payload"]["late_seconds"] >= 7200
    await world.dispatcher.run_once()
    [message] = world.sender.messages
    assert "late" in message.embeds[0]["description"] and "4 missed" in message.embeds[0]["description"]


async def make_due(world: World, count: int) -> list[int]:
    ids = []
    for i in range(count):
        ids.append(await track_fresh(world, f"74000000000000{i:05d}"))
    world.advance(hours=1, minutes=1)
    return ids


async def test_two_runners_never_record_a_check_twice(world: World, make_client: MakeClient) -> None:
    ids = await make_due(world, 40)
    world.sim.latency = 0.01
    other = CheckbackRunner(world.pool, await make_client(), world.clock, concurrency=8)
    first, second = await asyncio.gather(world.runner.run_once(), other.run_once())
    assert first.recorded + second.recorded == 40
    assert first.count("superseded") + second.count("superseded") == 0
    assert await db_snapshots.count_duplicates(world.pool) == 0
    rows = await world.pool.fetch(
        "SELECT post_id FROM social_media_post_analytics WHERE check_index = 1 ORDER BY post_id"
    )
    assert [r["post_id"] for r in rows] == ids
    assert len(await outbox_rows(world, "checkback")) == 40


async def test_a_runner_killed_between_claim_and_write_loses_nothing(world: World) -> None:
    ids = await make_due(world, 5)
    # The "killed" runner: it claimed (lease 5 minutes), then died before the API call and the write.
    claimed = await db_claims.claim_due(world.pool, world.clock.now(), 100, timedelta(minutes=5))
    assert sorted(c.id for c in claimed) == ids
    assert (await world.runner.run_once()).outcomes == []  # leased: nobody else takes them
    world.advance(minutes=6)
    report = await world.runner.run_once()
    assert report.recorded == 5
    rows = await world.pool.fetch(
        "SELECT post_id, check_index FROM social_media_post_analytics WHERE check_index > 0"
    )
    assert sorted((r["post_id"], r["check_index"]) for r in rows) == [(i, 1) for i in ids]
    claimed_until = await world.pool.fetchval("SELECT max(claimed_until) FROM social_media_posts")
    assert claimed_until is None


async def test_the_claims_plan_is_measured_and_claims_nothing(world: World) -> None:
    ids = await make_due(world, 3)
    async with world.pool.acquire() as conn:
        plan = await db_claims.explain_claim_due(conn, world.clock.now(), 64, timedelta(minutes=5))
    text = "\n".join(plan)
    assert "Update on social_media_posts" in text and "rows=3" in text and "Execution Time" in text
    # The EXPLAIN ran the claim but rolled it back: the runner still finds all three due.
    assert await world.pool.fetchval("SELECT count(claimed_until) FROM social_media_posts") == 0
    claimed = await db_claims.claim_due(world.pool, world.clock.now(), 64, timedelta(minutes=5))
    assert sorted(c.id for c in claimed) == ids


async def test_a_slow_runner_whose_lease_expired_does_not_record_twice(world: World) -> None:
    [post_id] = await make_due(world, 1)
    [slow] = await db_claims.claim_due(world.pool, world.clock.now(), 1, timedelta(minutes=5))
    world.advance(minutes=6)
    assert (await world.runner.run_once()).recorded == 1  # another runner took the expired claim
    # The slow one finally gets its answer and writes: the schedule moved on, so nothing is written.
    outcome = await world.runner._check(slow)
    assert outcome.status == "superseded"
    assert await db_snapshots.count_duplicates(world.pool) == 0
    assert len(await db_snapshots.list_snapshots(world.pool, post_id)) == 2
    assert len(await outbox_rows(world, "checkback")) == 1


async def run_until_settled(world: World, *, step: timedelta, most: int = 40) -> list[str]:
    """Runs the runner, advancing `step` between runs, until the post is no longer retried."""
    statuses: list[str] = []
    for _ in range(most):
        outcomes = (await world.runner.run_once()).outcomes
        statuses += [o.status for o in outcomes]
        if statuses and statuses[-1] not in ("retry",) and outcomes:
            return statuses
        world.clock.advance(step)
    return statuses


async def test_a_deleted_video_stops_tracking_with_one_notification(world: World) -> None:
    # The simulator answers a deleted video "Url parsing is failed!": vague, so the same answer must
    # repeat over six hours (bot/metrics/evidence.py) before tracking stops.
    post_id = await track_fresh(world)
    await world.tracking.track(99, video_url(VID))  # a second guild: told too, once
    world.sim.delete_video(VID)
    world.advance(hours=2)
    started = world.clock.now()
    statuses = await run_until_settled(world, step=timedelta(minutes=30))
    assert statuses[-1] == "unavailable" and set(statuses[:-1]) == {"retry"}
    assert world.clock.now() - started >= timedelta(hours=6)
    post = await world.tracking.get_post(None, post_id)
    assert post.next_check_at is None and post.tracking_stopped_reason == "unavailable"
    rows = await outbox_rows(world, "untracked")
    assert [(r["guild_id"], r["post_id"]) for r in rows] == [(None, post_id), (99, post_id)]
    world.advance(days=40)
    assert (await world.runner.run_once()).outcomes == []
    assert len(await outbox_rows(world)) == 2
    await world.dispatcher.run_once()
    assert [m.embeds[0]["title"].split(" ·")[0] for m in world.sender.messages] == ["Tracking stopped"]
    assert len(world.sender.messages[0].embeds) == 2


async def test_a_private_video_stops_on_the_second_look_half_an_hour_later(world: World) -> None:
    post_id = await track_fresh(world)
    world.sim.make_private(VID)  # "This video is private or unavailable.": the wording says so
    world.advance(hours=2)
    [first] = (await world.runner.run_once()).outcomes
    assert first.status == "retry" and first.next_check_at == world.clock.now() + timedelta(minutes=30)
    assert (await world.runner.run_once()).outcomes == []  # not before the second look
    world.advance(minutes=30)
    assert [o.status for o in (await world.runner.run_once()).outcomes] == ["unavailable"]
    assert (await world.tracking.get_post(None, post_id)).tracking_stopped_reason == "unavailable"


async def test_transient_failures_back_off_without_losing_the_check(world: World) -> None:
    post_id = await track_fresh(world)
    world.advance(hours=1, minutes=1)
    world.sim.fail_next(2, "error")  # the client's one retry fails too
    [outcome] = (await world.runner.run_once()).outcomes
    assert outcome.status == "retry"
    post = await world.tracking.get_post(None, post_id)
    assert post.check_failures == 1 and post.checks_completed == 0
    assert post.claimed_until == world.clock.now() + timedelta(minutes=1)
    assert (await world.runner.run_once()).outcomes == []  # backing off
    world.sim.fail_next(2, "429")
    world.advance(minutes=2)
    assert [o.status for o in (await world.runner.run_once()).outcomes] == ["retry"]
    post = await world.tracking.get_post(None, post_id)
    assert post.check_failures == 2 and post.claimed_until == world.clock.now() + timedelta(minutes=2)
    world.advance(minutes=3)
    [outcome] = (await world.runner.run_once()).outcomes
    assert outcome.status == "recorded" and outcome.check_index == 1
    post = await world.tracking.get_post(None, post_id)
    assert post.check_failures == 0 and post.claimed_until is None


async def test_untrack_stops_the_post_when_no_guild_tracks_it(world: World) -> None:
    post_id = await track_fresh(world)
    await world.tracking.track(5, video_url(VID))
    first = await world.tracking.untrack(None, post_id)
    assert not first.tracking_stopped and first.post.next_check_at is not None
    with pytest.raises(PostNotFound):
        await world.tracking.untrack(None, post_id)
    last = await world.tracking.untrack(5, post_id)
    assert (
        last.tracking_stopped and last.post.stopped_reason == "untracked" and last.post.next_check_at is None
    )
    world.advance(days=2)
    assert (await world.runner.run_once()).outcomes == []
    # Tracked again, it resumes from the schedule's next check, keeping its snapshots.
    again = await world.tracking.track(5, video_url(VID))
    assert again.post.id == post_id and again.post.next_check_at == again.post.posted_at + timedelta(hours=72)


async def test_list_pages_and_filters_and_find_for_autocomplete(world: World) -> None:
    ids = [
        await track_fresh(world, f"7411{i:015d}", username=f"user{i % 3}", title=f"clip {i}")
        for i in range(7)
    ]
    await world.tracking.untrack(None, ids[0])
    await world.tracking.track(None, video_url(f"7411{0:015d}"))  # re-linked: active again
    await world.tracking.untrack(None, ids[1])
    page = await world.tracking.list_posts(None, status="all", limit=4, all_guilds=True)
    assert [p.id for p in page.items] == [7, 6, 5, 4] and page.next_cursor == 4
    page2 = await world.tracking.list_posts(
        None, status="all", limit=4, before=page.next_cursor, all_guilds=True
    )
    assert [p.id for p in page2.items] == [3, 2, 1] and page2.next_cursor is None
    active = await world.tracking.list_posts(None, status="active", limit=50)
    assert [p.id for p in active.items] == [7, 6, 5, 4, 3, 1]
    complete = await world.tracking.list_posts(None, status="complete", all_guilds=True)
    assert [p.id for p in complete.items] == [2] and complete.items[0].status == "stopped (untracked)"
    assert active.items[0].latest is not None

    by_author = await world.tracking.find_posts(None, "@USER1")
    assert [c.id for c in by_author] == [5, 2] or [c.id for c in by_author] == [5]
    assert all("@user1" in choice_label(c) for c in by_author)
    assert [c.id for c in await world.tracking.find_posts(None, "clip 3")] == [4]
    assert [c.id for c in await world.tracking.find_posts(None, "3")][0] == 3
    assert [c.id for c in await world.tracking.find_posts(None, "7411000000000000000")] == [1]
    assert len(await world.tracking.find_posts(None, "")) == 6
    assert await world.tracking.find_posts(123, "") == []  # another guild sees none of them
    assert await world.tracking.find_posts(None, "%") == []


async def test_analytics_reports_growth_pace_and_engagement(world: World) -> None:
    post_id = await track_fresh(world)
    for hours in (1, 6):
        world.clock.set((await world.tracking.get_post(None, post_id)).posted_at + timedelta(hours=hours))
        await world.runner.run_once()
    a = await world.tracking.analytics(None, post_id)
    assert [s.label for s in a.snapshots] == ["at tracking", "1h", "6h"]
    first, mid, last = (s.metrics for s in a.snapshots)
    assert a.since_first is not None and a.since_first.views == last.views - first.views
    assert a.since_previous is not None and a.since_previous.views == last.views - mid.views
    assert a.views_per_hour == pytest.approx((last.views - mid.views) / 5)
    assert a.engagement_rate == pytest.approx((last.likes + last.comments + last.shares) / last.views)
    with pytest.raises(PostNotFound):
        await world.tracking.analytics(77, post_id)


async def test_milestones_are_announced_once_each(world: World) -> None:
    post_id = await track_fresh(world, views_30d=2_000_000)
    while (post := await world.tracking.get_post(None, post_id)).next_check_at is not None:
        world.clock.set(post.next_check_at)
        await world.runner.run_once()
    marks = [r["payload"]["milestone"] for r in await outbox_rows(world, "milestone")]
    snaps = await db_snapshots.list_snapshots(world.pool, post_id)
    expected = [m for m in (10_000, 100_000, 1_000_000, 10_000_000) if snaps[0].views < m <= snaps[-1].views]
    assert marks == expected and 1_000_000 in marks


async def test_a_post_far_above_its_accounts_median_is_viral(world: World) -> None:
    for i in range(5):  # the tracked history is the baseline from 5 posts at the same check
        await track_fresh(
            world, f"742000000000000000{i}", username="steady", views_30d=20_000, age=timedelta(minutes=10)
        )
    hit = await track_fresh(world, "7420000000000000009", username="steady", views_30d=900_000)
    world.advance(hours=5, minutes=52)  # the five others' 6h check, and this one's 1h
    assert (await world.runner.run_once()).recorded == 6
    assert await outbox_rows(world, "viral") == []
    world.advance(minutes=10)  # this one's 6h check
    assert (await world.runner.run_once()).recorded == 1
    rows = await outbox_rows(world, "viral")
    assert [r["post_id"] for r in rows] == [hit]
    assert rows[0]["payload"]["reason"] == "account_median" and rows[0]["payload"]["ratio"] >= 3
    await world.dispatcher.run_once()
    titles = [e["title"] for m in world.sender.in_channel(CHANNEL) for e in m.embeds]
    assert any(t.startswith("🔥 Going viral") for t in titles)
