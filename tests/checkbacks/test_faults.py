"""Check-backs against an API that answers as real scrapers do: nothing ends a post's schedule but proof."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.metrics.evidence import MAX_BAD_ANSWERS
from bot.tracking_models import PostSummary
from db import posts as db_posts
from db import snapshots as db_snapshots

from .conftest import World
from .test_engine import VID, outbox_rows, track_fresh


@pytest.mark.parametrize(
    "shape", ["vague", "null", "no_data", "parse_failed", "gateway_404", "no_counts", "deleted", "private"]
)
async def test_one_answer_that_proves_nothing_keeps_the_post_and_its_next_check_records(
    world: World, shape: str
) -> None:
    post_id = await track_fresh(world)
    world.advance(hours=1, minutes=1)
    world.sim.answer_video(VID, shape)
    [failed] = (await world.runner.run_once()).outcomes
    assert failed.status == "retry", failed
    post = await world.tracking.get_post(None, post_id)
    assert post.next_check_at is not None and post.tracking_stopped_reason is None

    world.advance(minutes=31)  # past the backoff (and a "gone" answer's second look)
    [recorded] = (await world.runner.run_once()).outcomes
    assert recorded.status == "recorded" and recorded.check_index == 1
    assert recorded.late is not None and recorded.late >= timedelta(
        minutes=30
    )  # late, labelled with its time
    snaps = await db_snapshots.list_snapshots(world.pool, post_id)
    assert [s.check_index for s in snaps] == [0, 1]
    assert await world.pool.fetchval("SELECT count(*) FROM post_check_faults") == 0
    [row] = await outbox_rows(world, "checkback")
    assert row["payload"]["late_seconds"] >= 30 * 60


async def test_a_success_between_failures_starts_the_count_again(world: World) -> None:
    post_id = await track_fresh(world, age=timedelta(minutes=59))
    world.advance(minutes=2)
    for _ in range(2):
        world.sim.answer_video(VID, "vague")
        assert [o.status for o in (await world.runner.run_once()).outcomes] == ["retry"]
        world.advance(hours=3)
    assert [o.status for o in (await world.runner.run_once()).outcomes] == ["recorded"]
    # Six hours later, two more vague answers: four in all over more than six hours, but not in a row.
    world.advance(hours=5)
    world.sim.answer_video(VID, "vague", "vague")
    assert [o.status for o in (await world.runner.run_once()).outcomes] == ["retry"]
    world.advance(hours=3)
    assert [o.status for o in (await world.runner.run_once()).outcomes] == ["retry"]
    post = await world.tracking.get_post(None, post_id)
    assert post.tracking_stopped_reason is None and post.next_check_at is not None


async def test_a_poison_post_stops_after_bounded_attempts_with_its_reason_and_missed_checks(
    world: World,
) -> None:
    post_id = await track_fresh(world)
    world.advance(hours=1, minutes=1)
    world.sim.answer_video(VID, *["count_huge"] * MAX_BAD_ANSWERS)
    statuses = []
    for _ in range(MAX_BAD_ANSWERS + 2):
        statuses += [o.status for o in (await world.runner.run_once()).outcomes]
        world.advance(hours=2)
    assert statuses == ["retry"] * (MAX_BAD_ANSWERS - 1) + ["failing"]
    assert world.sim.calls_by_route["/"] == 1 + MAX_BAD_ANSWERS  # the tracking call, then bounded

    record = await db_posts.get_post(world.pool, post_id)
    assert record is not None and record.next_check_at is None
    assert record.tracking_stopped_reason is not None
    assert record.tracking_stopped_reason.startswith("failing: 5 failed checks in a row")
    assert "digg_count" in record.tracking_stopped_reason
    status = PostSummary.of(record).status
    assert status.endswith("; 9 check-backs missed"), status

    [notice] = await outbox_rows(world, "failing")
    assert notice["payload"]["missed"] == 9 and notice["payload"]["checks_completed"] == 0
    await world.dispatcher.run_once()
    [message] = world.sender.messages
    assert message.embeds[0]["title"].startswith("Tracking stopped: checks keep failing")
    assert "9 check-backs missed" in message.embeds[0]["description"]

    world.advance(days=40)
    assert (await world.runner.run_once()).outcomes == []


async def test_one_malformed_answer_is_a_failed_call_not_a_database_error(world: World) -> None:
    post_id = await track_fresh(world)
    world.advance(hours=1, minutes=1)
    world.sim.answer_video(VID, "count_text")
    [failed] = (await world.runner.run_once()).outcomes
    assert failed.status == "retry" and "play_count" in (failed.error or "")
    world.advance(minutes=5)
    [recorded] = (await world.runner.run_once()).outcomes
    assert recorded.status == "recorded"
    assert len(await db_snapshots.list_snapshots(world.pool, post_id)) == 2
