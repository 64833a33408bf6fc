"""`python -m bot track|check|list|analytics` as subprocesses on the test database and the simulator."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.cli.lines import unrecorded
from bot.clock import ManualClock
from bot.metrics.evidence import MAX_BAD_ANSWERS
from bot.schedule import DEFAULT_OFFSETS, due_times
from db import check_faults as db_faults
from db import snapshots as db_snapshots
from db.schedule_codec import schedule_to_json
from tests import cli

from .conftest import World, video_url
from .test_insight import insight_runner, run_until, track


@pytest.fixture
def clock() -> ManualClock:
    return cli.wall_clock()


async def test_check_records_one_snapshot_per_due_post_and_advances_the_schedule(
    world: World, dsn: str
) -> None:
    ids = []
    for i in range(3):
        vid = f"743000000000000000{i}"
        world.sim.add_video(vid, world.clock.now() - timedelta(minutes=10))
        ids.append((await world.tracking.track(None, video_url(vid))).post.id)
    # Due by hand: an operator's "check these now".
    due = world.clock.now() - timedelta(minutes=1)
    await world.pool.execute("UPDATE social_media_posts SET next_check_at = $1", due)

    code, out, err = await cli.run_on_sim(dsn, world.sim, "check")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 3 and all("check 1/9 recorded" in line for line in lines)
    rows = await world.pool.fetch(
        "SELECT id, checks_completed, next_check_at, posted_at FROM social_media_posts ORDER BY id"
    )
    for r in rows:
        assert r["checks_completed"] == 1 and r["next_check_at"] == r["posted_at"] + timedelta(hours=6)
    snaps = await world.pool.fetch(
        "SELECT post_id FROM social_media_post_analytics WHERE check_index = 1 ORDER BY post_id"
    )
    assert [r["post_id"] for r in snaps] == ids
    outbox = await world.pool.fetch("SELECT post_id, guild_id FROM notification_outbox ORDER BY post_id")
    assert [(r["post_id"], r["guild_id"]) for r in outbox] == [(i, None) for i in ids]

    code, out, _ = await cli.run_on_sim(dsn, world.sim, "check")
    assert code == 0 and out.strip() == "no check-backs due"


async def test_two_check_processes_on_500_due_posts_record_exactly_500(world: World, dsn: str) -> None:
    now = world.clock.now()
    posted = now - timedelta(minutes=10)
    await world.pool.execute(
        """
        WITH acct AS (INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', 'bulk') RETURNING id),
        posts AS (
            INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, posted_at,
                                            check_schedule, checks_completed, next_check_at, tracking_complete,
                                            tracking_started_at)
            SELECT acct.id, 'tiktok', (7450000000000000001 + g * 10)::text,
                   'https://www.tiktok.com/@bulk/video/' || (7450000000000000001 + g * 10), $1, $2::jsonb, 0, $3,
                   false, $1
              FROM acct, generate_series(1, 500) AS g
            RETURNING id)
        INSERT INTO guild_posts (guild_id, post_id) SELECT NULL, id FROM posts
        """,
        posted,
        schedule_to_json(due_times(posted, DEFAULT_OFFSETS)),
        now - timedelta(minutes=1),
    )
    world.sim.latency = 0.005  # (ids end in 1: the simulator treats ids ending in 403/404 as private/deleted)
    (c1, out1, err1), (c2, out2, err2) = await asyncio.gather(
        cli.run_on_sim(dsn, world.sim, "check"), cli.run_on_sim(dsn, world.sim, "check")
    )
    assert c1 == 0 and c2 == 0, err1 + err2
    others = [line for line in (out1 + out2).splitlines() if "recorded" not in line]
    assert others == []
    lines = [line for line in (out1 + out2).splitlines() if "recorded" in line]
    assert len(lines) == 500 and len(set(lines)) == 500
    assert (
        await world.pool.fetchval("SELECT count(*) FROM social_media_post_analytics WHERE check_index = 1")
        == 500
    )
    assert await db_snapshots.count_duplicates(world.pool) == 0
    assert (
        await world.pool.fetchval("SELECT count(*) FROM notification_outbox WHERE kind = 'checkback'") == 500
    )
    assert (
        await world.pool.fetchval("SELECT count(*) FROM social_media_posts WHERE checks_completed = 1") == 500
    )


async def test_track_list_and_analytics_from_the_command_line(world: World, dsn: str) -> None:
    vid = "7440000000000000001"
    world.sim.add_video(
        vid, world.clock.now() - timedelta(minutes=5), username="maker_jo", title="LED matrix"
    )
    code, out, err = await cli.run_on_sim(dsn, world.sim, "track", video_url(vid), "--note", "launch")
    assert code == 0, err
    assert out.startswith("tracking post 1: @maker_jo, video 7440000000000000001")
    assert "next check:" in out and "9 check-backs to go" in out
    assert await world.pool.fetchval("SELECT note FROM guild_posts WHERE guild_id IS NULL") == "launch"

    code, out, _ = await cli.run_on_sim(dsn, world.sim, "track", video_url(vid))
    assert code == 0 and "already tracked" in out

    code, out, _ = await cli.run_on_sim(dsn, world.sim, "list")
    assert code == 0
    header, row = out.strip().splitlines()
    assert "video id" in header and "@maker_jo" in row and vid in row and " 0/9 " in row

    code, out, _ = await cli.run_on_sim(dsn, world.sim, "analytics", "1")
    assert code == 0 and "at tracking" in out and "LED matrix" in out
    # No baseline for an account with one post and no known videos: the standing says so, as /analytics does.
    assert "  vs typical: No baseline yet: fewer than 5 of @maker_jo's posts are tracked at this age" in out
    assert "**" not in out
    assert "projected:" not in out and "next milestone:" not in out  # one snapshot projects nothing

    code, out, err = await cli.run_on_sim(dsn, world.sim, "analytics", "99")
    assert code == 1 and out == "" and err.strip() == "error: No tracked post matches #99."
    code, _, err = await cli.run_on_sim(dsn, world.sim, "track", "https://example.com/x")
    assert (
        code == 1
        and err.startswith("error: That is not a TikTok video link")
        and len(err.strip().splitlines()) == 1
    )


async def test_track_past_a_budget_of_3_exits_1_without_a_request(world: World, dsn: str) -> None:
    # The subprocess runs on the wall clock: a post published now needs its first snapshot and every check
    # before the 1st. Calls already spent this month make sure that is more than is left of 3.
    now = datetime.now(UTC)
    first_of_next = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0)
    needed = 1 + sum(
        1 for when in due_times(now + timedelta(minutes=5), DEFAULT_OFFSETS) if when < first_of_next
    )
    for _ in range(max(0, 3 - needed + 1)):
        await world.pool.execute(
            "INSERT INTO api_usage_tracking (provider_name, platform, endpoint, request_count, success, date,"
            " requested_at) VALUES ('tiktok-scraper7', 'tiktok', '/', 1, true, $1, $2)",
            now.date(),
            now,
        )
    before = await world.pool.fetchval("SELECT count(*) FROM api_usage_tracking")
    world.sim.add_video("7431000000000000001", now - timedelta(minutes=1))
    world.sim.reset_counters()

    code, out, err = await cli.run_on_sim(
        dsn, world.sim, "track", video_url("7431000000000000001"), METRICS_API_MONTHLY_BUDGET="3"
    )
    assert code == 1, out
    assert "renews on" in (out + err)
    assert world.sim.calls == 0
    assert await world.pool.fetchval("SELECT count(*) FROM api_usage_tracking") == before
    assert await world.pool.fetchval("SELECT count(*) FROM social_media_posts") == 0


async def test_usage_prints_the_month_the_plan_and_writes_its_chart(world: World, dsn: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    world.sim.add_video("7431000000000000002", datetime.now(UTC) - timedelta(minutes=1))
    code, _, err = await cli.run_on_sim(dsn, world.sim, "track", video_url("7431000000000000002"))
    assert code == 0, err
    chart = tmp_path / "usage.png"
    code, out, err = await cli.run_on_sim(
        dsn, world.sim, "usage", "--chart", str(chart), METRICS_API_MONTHLY_BUDGET="1000"
    )
    assert code == 0, err
    assert "Calls this month: 1 of 1,000" in out
    assert "Planned for the rest of the month:" in out and "— fits" in out
    assert "Budget runs out: lasts the month" in out
    assert chart.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("www.tiktok.com/t/ZTcli123/", "7440000000000000021"),
        ("<https://vm.tiktok.com/ZMcli456/>", "7440000000000000022"),
        ("https://m.tiktok.com/v/7440000000000000023.html?_r=1", "7440000000000000023"),
        ("7440000000000000024", "7440000000000000024"),
    ],
)
async def test_track_from_the_command_line_takes_every_link_form(
    world: World, dsn: str, form: str, expected: str
) -> None:
    world.sim.add_video(expected, world.clock.now() - timedelta(minutes=5), username="maker_jo")
    world.sim.add_short_link("ZTcli123", "7440000000000000021")
    world.sim.add_short_link("ZMcli456", "7440000000000000022")
    code, out, err = await cli.run_on_sim(
        dsn, world.sim, "track", form, TIKTOK_SHORT_LINK_BASE_URL=f"{world.sim.base_url}/shortlinks"
    )
    assert code == 0, err
    assert out.startswith(f"tracking post 1: @maker_jo, video {expected}")
    url = await world.pool.fetchval("SELECT post_url FROM social_media_posts")
    assert url == f"https://www.tiktok.com/@maker_jo/video/{expected}"


async def test_analytics_prints_the_standing_and_projection_that_analytics_shows(
    world: World, dsn: str
) -> None:
    world.sim.add_account("twentyfour", videos=24, every=timedelta(days=1))
    post_id = await track(world, "7430000000000000001", "twentyfour")
    await run_until(world, insight_runner(world), post_id, 24)  # the 1h, 6h, 12h and 24h checks
    # (The command reads what the check-backs stored and calls no API: the wall clock is not the test's.)
    code, out, err = await cli.run_on_sim(dsn, world.sim, "analytics", str(post_id))
    assert code == 0, err
    lines = out.splitlines()
    standing = next(line for line in lines if line.startswith("  vs typical: "))
    assert (
        "× typical at 1d · " in standing
        and "percentile of @twentyfour's last 20 videos (typical " in standing
    )
    projected = next(line for line in lines if line.startswith("  projected: "))
    assert projected.startswith("  projected: 7d ≈ ") and " · 30d ≈ " in projected
    assert projected.endswith(" · from the account's curve")
    assert "**" not in out


async def test_analytics_prints_the_next_milestone_s_eta_under_the_projection(world: World, dsn: str) -> None:
    post_id = await track(world, "7430000000000000002", "nearly", views_30d=150_000)
    world.sim.video("7430000000000000002").tau_hours = 4.0  # 56k at 24 h, 100k at about 5 days
    await run_until(world, insight_runner(world), post_id, 24)
    # The command's wall clock is behind the test's, which ran the day ahead: counted from the 24h check.
    code, out, err = await cli.run_on_sim(dsn, world.sim, "analytics", str(post_id))
    assert code == 0, err
    lines = out.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("  projected: "))
    assert re.fullmatch(
        r"  next milestone: 100k in about \d+ (hours|days) at the current pace", lines[at + 1]
    )


# --- what `check` prints for a post it recorded nothing for ------------------------------------------------
async def due_post(world: World, vid: str) -> int:
    """A post tracked a moment ago whose next check-back is due now."""
    world.sim.add_video(vid, world.clock.now() - timedelta(minutes=10))
    post_id = (await world.tracking.track(None, video_url(vid))).post.id
    await make_due(world, post_id)
    return post_id


async def make_due(world: World, post_id: int) -> None:
    due = datetime.now(UTC) - timedelta(minutes=1)
    await world.pool.execute(
        "UPDATE social_media_posts SET next_check_at = $2, claimed_until = NULL WHERE id = $1", post_id, due
    )


async def check_line(dsn: str, world: World, **env: str) -> str:
    """The one line `check` prints."""
    return await cli.one_line(dsn, world.sim, "check", **env)


async def next_try(world: World, post_id: int) -> datetime:
    """When the post's check is tried again: after a failure, its claim holds it until then."""
    return await world.pool.fetchval(
        "SELECT coalesce(claimed_until, next_check_at) FROM social_media_posts WHERE id = $1", post_id
    )


async def test_check_of_a_video_made_private_says_retry_then_tracking_stopped(world: World, dsn: str) -> None:
    vid = "7450000000000000011"
    post_id = await due_post(world, vid)
    world.sim.make_private(vid)
    head = f"post {post_id} (video {vid}):"

    # One "private" answer proves nothing yet: asked again half an hour later.
    line = await check_line(dsn, world)
    assert line == (
        f"{head} API failed (the API answered: code -1: This video is private or unavailable.); "
        f"retry at {cli.minute(await next_try(world, post_id))}"
    )

    # Half an hour on (the CLI runs on the wall clock: the first answer is moved back), a second one does.
    await world.pool.execute(
        "UPDATE post_check_faults SET first_at = first_at - interval '31 minutes',"
        " gone_first_at = gone_first_at - interval '31 minutes' WHERE post_id = $1",
        post_id,
    )
    await make_due(world, post_id)
    assert await check_line(dsn, world) == f"{head} video deleted or private; tracking stopped"


async def test_check_of_a_deleted_video_failing_for_hours_says_tracking_stopped(
    world: World, dsn: str
) -> None:
    vid = "7450000000000000021"
    post_id = await due_post(world, vid)
    world.sim.delete_video(vid)
    # Two vague answers already, the first seven hours ago: a third proves the video gone.
    async with world.pool.acquire() as conn:
        for hours in (7, 1):
            await db_faults.add_fault(
                conn, post_id, "vague", "code -1", datetime.now(UTC) - timedelta(hours=hours)
            )
    assert (
        await check_line(dsn, world)
        == f"post {post_id} (video {vid}): video deleted or private; tracking stopped"
    )


async def test_check_of_a_post_whose_answers_keep_breaking_says_tracking_stopped(
    world: World, dsn: str
) -> None:
    vid = "7450000000000000031"
    post_id = await due_post(world, vid)
    async with world.pool.acquire() as conn:
        for _ in range(MAX_BAD_ANSWERS - 1):
            await db_faults.add_fault(conn, post_id, "bad", "malformed answer", datetime.now(UTC))
    world.sim.answer_video(vid, "count_text")
    assert await check_line(dsn, world) == (
        f"post {post_id} (video {vid}): checks keep failing (malformed answer (play_count: not a count: '12.3M')); tracking stopped"
    )


async def test_check_when_the_api_fails_says_when_it_retries(world: World, dsn: str) -> None:
    vid = "7450000000000000041"
    post_id = await due_post(world, vid)
    world.sim.answer_video(vid, "error")
    line = await check_line(dsn, world)
    assert line == (
        f"post {post_id} (video {vid}): API failed (the video endpoint (/) failed 1 time; last: HTTP 503); "
        f"retry at {cli.minute(await next_try(world, post_id))}"
    )


@pytest.mark.parametrize("spent_by", ["this month's calls", "the API plan's quota"])
async def test_check_past_the_budget_says_postponed_to_the_1st(world: World, dsn: str, spent_by: str) -> None:
    vid = "7450000000000000051"
    post_id = await due_post(world, vid)
    env = {}
    if spent_by == "this month's calls":
        await world.client.recorder.flush()  # the tracking's call, where the CLI counts it
        env["METRICS_API_MONTHLY_BUDGET"] = str(await world.client.budget.used())
    else:
        world.sim.answer_video(vid, "quota")
    line = await check_line(dsn, world, **env)
    until = await next_try(world, post_id)
    assert until.day == 1 and until.astimezone(UTC).time() == time(0, 0)
    assert line == f"post {post_id} (video {vid}): API budget used up; postponed to {cli.minute(until)}"


async def test_check_of_a_post_with_every_check_back_recorded_says_tracking_complete(
    world: World, dsn: str
) -> None:
    # Every check-back of its schedule recorded, yet still due (its schedule shortened by hand, say): the
    # check only completes the post's tracking, and says so.
    vid = "7450000000000000071"
    post_id = await due_post(world, vid)
    await world.pool.execute(
        "UPDATE social_media_posts SET checks_completed = jsonb_array_length(check_schedule) WHERE id = $1",
        post_id,
    )
    snapshots = len(await db_snapshots.list_snapshots(world.pool, post_id))
    assert await check_line(dsn, world) == (
        f"post {post_id} (video {vid}): every check-back already recorded; tracking complete"
    )
    row = await world.pool.fetchrow(
        "SELECT tracking_complete, next_check_at FROM social_media_posts WHERE id = $1", post_id
    )
    assert row["tracking_complete"] and row["next_check_at"] is None
    assert len(await db_snapshots.list_snapshots(world.pool, post_id)) == snapshots  # nothing new recorded


def test_a_check_or_poll_another_worker_finished_says_so() -> None:
    # Only a race brings it about (another worker takes over a claim whose five-minute lease ran out, or
    # stops the post first), which no CLI run can be made to lose on purpose: the wording alone.
    assert (
        unrecorded("post 7 (video 7450000000000000061):", "check", "superseded", None, None)
        == "post 7 (video 7450000000000000061): already checked by another worker"
    )
    assert (
        unrecorded("@maker_jo:", "poll", "superseded", None, None)
        == "@maker_jo: already polled by another worker"
    )
