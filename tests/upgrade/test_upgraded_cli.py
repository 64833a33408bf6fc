"""An operator's first day on an upgraded original database, through the real command line: migrate twice,
then list, analytics (the original's snapshots), track, check (the original's half-done post carries on),
limits show/set (the operator's caps, written where the original reads them), watch add."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.metrics import MetricsSimulator
from db.pool import connect
from tests import cli
from tests.original_db import (
    HALF_DONE_POST,
    HALF_DONE_VIDEO,
    ORIGINAL_USERNAME,
    build_original,
    fetch_row,
    half_done_post,
    rate_limits,
)


@pytest.fixture
def start() -> datetime:
    # The subprocesses run on the wall clock (and the original's rows are written relative to it); the
    # simulator agrees with them.
    return datetime.now(UTC).replace(microsecond=0)


async def run(dsn: str, sim: MetricsSimulator, *args: str) -> str:
    """`python -m bot ARGS`, which must exit 0 without a traceback; its stdout."""
    result = await cli.run_cli(
        dsn, *args, METRICS_API_BASE_URL=str(sim.base_url), METRICS_API_RATE="2000", LOG_LEVEL="WARNING"
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
    return result.stdout


async def test_the_command_line_on_an_upgraded_original_database(
    scratch_dsn: str, sim: MetricsSimulator
) -> None:
    await build_original(scratch_dsn, "data")
    first = await run(scratch_dsn, sim, "migrate")
    again = await run(scratch_dsn, sim, "migrate")
    assert "0011_utc_timestamps.sql" in first and "0011" not in again

    posted_at, schedule = await half_done_post(scratch_dsn)
    sim.add_video(HALF_DONE_VIDEO, posted_at, username=ORIGINAL_USERNAME, title="From the old days")

    listed = await run(scratch_dsn, sim, "list")
    [row] = [line for line in listed.splitlines() if HALF_DONE_VIDEO in line]
    assert f"@{ORIGINAL_USERNAME}" in row and " 5/9 " in row and "3,600" in row

    report = await run(scratch_dsn, sim, "analytics", str(HALF_DONE_POST))
    lines = [line.strip() for line in report.splitlines()]
    history = [line for line in lines if line.startswith("orig ")]
    assert [line.split()[1] for line in history] == ["2h", "3h", "8h", "14h", "1d2h", "2d2h"]
    assert "since first: views +3,500" in report

    # The half-done post answers its 72-hour check (the 6th), due an hour ago, and moves to the 7th.
    done = await run(scratch_dsn, sim, "check")
    [line] = [line for line in done.splitlines() if HALF_DONE_VIDEO in line]
    assert "check 6/9 recorded" in line
    conn = await connect(scratch_dsn)
    try:
        after = await conn.fetchrow(
            "SELECT checks_completed, next_check_at, tracking_complete FROM social_media_posts WHERE id = $1",
            HALF_DONE_POST,
        )
        assert (after["checks_completed"], after["next_check_at"], after["tracking_complete"]) == (
            6,
            schedule[6],
            False,
        )
        snaps = await conn.fetch(
            "SELECT check_index, scheduled_for, snapshot_date, snapshot_hour, captured_at "
            "FROM social_media_post_analytics WHERE post_id = $1 ORDER BY captured_at",
            HALF_DONE_POST,
        )
        assert [s["check_index"] for s in snaps] == [None] * 6 + [6]
        assert snaps[-1]["scheduled_for"] == schedule[5]
        assert (snaps[-1]["snapshot_date"], snaps[-1]["snapshot_hour"]) == (
            snaps[-1]["captured_at"].date(),
            snaps[-1]["captured_at"].hour,
        )
    finally:
        await conn.close()
    report = await run(scratch_dsn, sim, "analytics", str(HALF_DONE_POST))
    assert "orig 2d2h" in report and "3d2h" in report.replace("orig 3d2h", "")
    assert (await run(scratch_dsn, sim, "check")).strip() == "no check-backs due"

    # A new post is tracked on the original's default schedule setting.
    sim.add_video("7300000000000000042", sim.clock.now() - timedelta(minutes=5), username="new_maker")
    tracked = await run(
        scratch_dsn, sim, "track", "https://www.tiktok.com/@new_maker/video/7300000000000000042"
    )
    assert tracked.startswith("tracking post 3: @new_maker") and "9 check-backs to go" in tracked

    caps = await run(scratch_dsn, sim, "limits", "show")
    [like] = [line for line in caps.splitlines() if line.strip().startswith("like")]
    assert "150" in like
    [comment] = [line for line in caps.splitlines() if line.strip().startswith("comment")]
    assert "3" in comment.split()
    await run(scratch_dsn, sim, "limits", "set", "like", "--daily", "120", "--hourly", "15")
    setting = await rate_limits(scratch_dsn)
    assert setting["like"] == {"daily": 120, "hourly": 15}
    assert setting["comment"] == {"daily": 20, "hourly": 3}

    sim.add_account(ORIGINAL_USERNAME, followers=1300, videos=2)
    watched = await run(scratch_dsn, sim, "watch", "add", f"@{ORIGINAL_USERNAME}")
    assert f"watching @{ORIGINAL_USERNAME}" in watched
    # The account's history is the original's daily table: its two days, then today's from the watch.
    stats = await run(scratch_dsn, sim, "watch", "stats", ORIGINAL_USERNAME)
    assert "3 snapshots" in stats and "1,200" in stats and "1,300" in stats
    today = await fetch_row(
        scratch_dsn,
        "SELECT snapshot_date, followers_count, posts_count FROM social_media_analytics_snapshots "
        "WHERE account_id = 1 ORDER BY snapshot_date DESC LIMIT 1",
    )
    assert today is not None and (today["snapshot_date"], today["followers_count"]) == (
        datetime.now(UTC).date(),
        1300,
    )
