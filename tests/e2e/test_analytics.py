"""/analytics, /top, /export and /comments through the real bot and the Discord emulator."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.stack import Stack
from tests.e2e.helpers import track_fresh

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def wait_for_snapshots(pool: asyncpg.Pool, count: int) -> None:
    for _ in range(200):
        if await pool.fetchval("SELECT count(*) FROM social_media_post_analytics") >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} snapshots were recorded")


async def track(stack: Stack, video_id: str, username: str = "demo", **video: Any) -> int:
    """Track a video published five minutes ago (`video`: as track_fresh's); returns the post id."""
    await track_fresh(stack, video_id, username, **video)
    w = stack.world
    choices = await stack.emulator.autocomplete(w.member, "analytics", focused="post", value=video_id)
    return int(choices[0]["value"])


async def run_checks(stack: Stack, clock: ManualClock, pool: asyncpg.Pool, hours: list[float]) -> None:
    """Move the clock to each offset after publishing and wait for its check-back."""
    before = await pool.fetchval("SELECT count(*) FROM social_media_post_analytics")
    start = clock.now()
    for n, h in enumerate(hours, start=1):
        clock.set(start + timedelta(hours=h))
        await wait_for_snapshots(pool, before + n)


async def test_analytics_answers_with_numbers_then_attaches_a_chart(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    post = await track(stack, "7301234567890125001")
    await run_checks(stack, clock, clean_db, [1, 6])
    i = await stack.emulator.invoke(w.member, "analytics", channel=w.channel, post=post)
    first = await i.response()
    assert first.type == 4  # answered with the numbers at once, not deferred
    embed = first.data["embeds"][0]
    assert "@demo" in embed["title"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Since first"].startswith("+") and "views" in fields["Since first"]
    assert fields["Since previous"].startswith("+")
    assert fields["Views/hour"] != "—" and fields["Engagement"].endswith("%")
    table = embed["description"]
    assert table.count("\n") >= 4 and "at tracking" in table and "6h" in table
    assert "image" not in embed  # the chart is not promised before it exists
    message = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 10)
    assert message.attachments[0].filename == "chart.png"
    assert message.attachments[0].data.startswith(PNG_MAGIC)
    assert message.embeds[0]["image"]["url"] == "attachment://chart.png"
    stack.emulator.assert_no_violations()


async def test_analytics_without_a_chart_sends_no_file(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    post = await track(stack, "7301234567890125002")
    finished = asyncio.Event()

    async def on_app_command_completion(*_: object) -> None:
        finished.set()

    # The chart would be an edit sent before the command's callback returns: wait for that return (the
    # event discord.py dispatches after it), not for a fixed time.
    stack.bot.add_listener(on_app_command_completion)
    try:
        i = await stack.emulator.invoke(w.member, "analytics", channel=w.channel, post=post, chart=False)
        final = await i.final()
        async with asyncio.timeout(15):
            await finished.wait()
    finally:
        stack.bot.remove_listener(on_app_command_completion)
    assert final.embeds[0]["fields"][3]["value"] == "first snapshot"
    # One snapshot projects nothing, so there is no milestone's ETA either.
    assert not {"Projected", "Next milestone"} & {f["name"] for f in final.embeds[0]["fields"]}
    assert not i.message.attachments and i.message.edits == 0


async def test_analytics_of_a_post_this_server_does_not_track_is_refused(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    for post in (424242, 1):
        final = await (
            await stack.emulator.invoke(w.member, "analytics", channel=w.channel, post=post)
        ).final()
        assert final.ephemeral and f"No tracked post matches #{post}" in final.content
    with pytest.raises(InvalidInvocation):  # Discord itself refuses a post id below 1
        await stack.emulator.invoke(w.member, "analytics", channel=w.channel, post=0)


async def test_top_ranks_the_guilds_posts_by_growth_in_the_period(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    slow = await track(stack, "7301234567890125003", username="slow")
    fast = await track(stack, "7301234567890125004", username="fast")
    stack.simulator.video("7301234567890125004").views_30d = 50_000_000
    stack.simulator.video("7301234567890125003").views_30d = 10_000
    await run_checks(stack, clock, clean_db, [1.02])
    await wait_for_snapshots(clean_db, 4)
    final = await (
        await stack.emulator.invoke(w.member, "top", channel=w.channel, metric="views", period="24h")
    ).final(timeout=10)
    description = final.embeds[0]["description"]
    assert description.index(f"#{fast}") < description.index(f"#{slow}")
    assert "**1.**" in description and "**+" in description
    # A week later nothing was checked inside the last 24 hours.
    clock.advance(timedelta(days=8))
    final = await (
        await stack.emulator.invoke(w.member, "top", channel=w.channel, metric="likes", period="24h")
    ).final(timeout=10)
    assert "No post was checked" in final.embeds[0]["description"]
    with pytest.raises(InvalidInvocation):
        await stack.emulator.invoke(w.member, "top", channel=w.channel, metric="saves", period="24h")
    stack.emulator.assert_no_violations()


async def test_export_attaches_every_snapshot_as_csv(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    post = await track(stack, "7301234567890125005")
    await run_checks(stack, clock, clean_db, [1])
    final = await (await stack.emulator.invoke(w.member, "export", channel=w.channel, post=post)).final()
    assert final.attachments[0].filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(final.attachments[0].data.decode())))
    assert [r["check_index"] for r in rows] == ["0", "1"]
    stored = await clean_db.fetch("SELECT views_count FROM social_media_post_analytics ORDER BY check_index")
    assert [int(r["views"]) for r in rows] == [s["views_count"] for s in stored]
    assert int(rows[1]["views_growth"]) == stored[1]["views_count"] - stored[0]["views_count"]
    bad = await (await stack.emulator.invoke(w.member, "export", channel=w.channel, post=999)).final()
    assert bad.ephemeral and "No tracked post matches #999" in bad.content and not bad.attachments


async def test_comments_are_fetched_stored_and_the_top_ones_shown(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    post = await track(stack, "7301234567890125006")
    i = await stack.emulator.invoke(w.member, "comments", channel=w.channel, post=post)
    final = await i.final(timeout=10)
    assert i.deferred
    embed = final.embeds[0]
    stored = await clean_db.fetch(
        "SELECT author_username, likes_count FROM social_media_comments ORDER BY likes_count DESC, id LIMIT 1"
    )
    assert stored, "the comments were not stored"
    assert embed["description"].startswith(
        f"**@{stored[0]['author_username']}** · {stored[0]['likes_count']}"
    )
    newest = await (
        await stack.emulator.invoke(w.member, "comments", channel=w.channel, post=post, filter="newest")
    ).final(timeout=10)
    assert "(newest)" in newest.embeds[0]["title"]
    # The second answer reads the stored comments: no API call.
    assert "from the stored comments" in newest.embeds[0]["footer"]["text"]
    assert stack.simulator.calls_by_route["/comment/list"] == 3  # the first one's 120 comments, 50 a page
    bad = await (await stack.emulator.invoke(w.member, "comments", channel=w.channel, post=999)).final()
    assert bad.ephemeral and "#999" in bad.content
    stack.emulator.assert_no_violations()
