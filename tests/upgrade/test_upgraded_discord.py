"""A team's first day on an upgraded original database, through the real bot and the Discord emulator:
/track links the original's half-done post, /analytics and /export show the original's snapshots, its next
check-back runs on time and reaches the channel, /limits show and set use the operator's caps, /watch add."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.stack import Stack
from db.migrate import migrate
from tests.conftest import MakeStack
from tests.original_db import (
    HALF_DONE_POST,
    HALF_DONE_VIDEO,
    ORIGINAL_USERNAME,
    build_original,
    fetch_row,
    fetch_value,
    half_done_post,
    rate_limits,
)

URL = f"https://www.tiktok.com/@{ORIGINAL_USERNAME}/video/{HALF_DONE_VIDEO}"


@pytest.fixture
async def upgraded(scratch_dsn: str) -> str:
    await build_original(scratch_dsn, "data")
    await migrate(scratch_dsn)
    assert await migrate(scratch_dsn) == []
    return scratch_dsn


@pytest.fixture
async def start(upgraded: str) -> datetime:
    """The bot's clock starts just before the original's post falls due, so the test decides when it runs."""
    due = await fetch_value(
        upgraded, "SELECT next_check_at FROM social_media_posts WHERE id = $1", HALF_DONE_POST
    )
    return due - timedelta(minutes=10)


@pytest.fixture
async def stack(upgraded: str, make_stack: MakeStack) -> Stack:
    return await make_stack(dsn=upgraded)


async def test_the_bot_on_an_upgraded_original_database(stack: Stack, upgraded: str) -> None:
    w, emulator = stack.world, stack.emulator
    posted_at, schedule = await half_done_post(upgraded)
    stack.simulator.add_video(HALF_DONE_VIDEO, posted_at, username=ORIGINAL_USERNAME)

    tracked = await (await emulator.invoke(w.member, "track", channel=w.channel, url=URL)).final(timeout=10)
    assert f"#{HALF_DONE_POST}" in str(tracked.embeds or tracked.content)

    shown = await (
        await emulator.invoke(w.member, "analytics", channel=w.channel, post=HALF_DONE_POST, chart=False)
    ).final(timeout=10)
    embed = shown.embeds[0]
    assert embed["description"].count("orig ") == 6
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Since first"].startswith("+3,500")

    # The 72-hour check (the original's 6th) falls due: it runs once and reaches the channel.
    stack.clock.set(schedule[5] + timedelta(minutes=1))  # type: ignore[attr-defined]
    await emulator.wait_for_message(
        w.channel,
        lambda m: any(
            "check-back" in (e.get("title") or "") and f"#{HALF_DONE_POST}" in (e.get("title") or "")
            for e in m.embeds
        ),
        timeout=15,
    )
    row = await fetch_row(
        upgraded,
        "SELECT checks_completed, next_check_at FROM social_media_posts WHERE id = $1",
        HALF_DONE_POST,
    )
    assert row is not None and (row["checks_completed"], row["next_check_at"]) == (6, schedule[6])

    exported = await (
        await emulator.invoke(w.member, "export", channel=w.channel, post=HALF_DONE_POST)
    ).final(timeout=10)
    rows = list(csv.DictReader(io.StringIO(exported.attachments[0].data.decode())))
    assert [r["check_index"] for r in rows] == [""] * 6 + ["6"]
    captured = [datetime.fromisoformat(r["captured_at"]) for r in rows]
    assert captured == sorted(captured) and all(t.tzinfo == UTC for t in captured)

    limits = await (await emulator.invoke(w.member, "limits show", channel=w.channel)).final(timeout=10)
    [like] = [x for x in limits.embeds[0]["description"].splitlines() if x.strip().startswith("like")]
    assert "150 a day" in like
    await (
        await emulator.invoke(w.admin, "limits set", channel=w.channel, action="follow", daily=60, hourly=6)
    ).final(timeout=10)
    setting = await rate_limits(upgraded)
    assert setting["follow"] == {"daily": 60, "hourly": 6} and setting["like"]["daily"] == 150

    stack.simulator.add_account(ORIGINAL_USERNAME, followers=1300, videos=2)
    watched = await (
        await emulator.invoke(w.admin, "watch add", channel=w.channel, account=ORIGINAL_USERNAME)
    ).final(timeout=10)
    assert f"Watching @{ORIGINAL_USERNAME}" in watched.embeds[0]["description"]
    # The original's view of an account's latest numbers reads the watch's snapshot.
    latest = await fetch_value(
        upgraded,
        "SELECT followers_count FROM latest_account_analytics WHERE username = $1",
        ORIGINAL_USERNAME,
    )
    assert latest == 1300
    emulator.assert_no_violations()
