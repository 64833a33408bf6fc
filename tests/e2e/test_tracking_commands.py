"""/track, /untrack, /tracked through the real bot and the Discord emulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from bot.clock import ManualClock
from bot.sandbox.stack import Stack
from cogs.tracking import TRACK_MENU
from tests.e2e.helpers import track_fresh

VIDEO = "https://www.tiktok.com/@demo/video/7301234567890123456"


async def test_track_defers_then_follows_up_with_the_first_numbers(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    i = await stack.emulator.invoke(w.member, "track", channel=w.channel, url=VIDEO)
    first = await i.response()
    assert first.type == 5  # deferred: the API call may take a while
    final = await i.final(timeout=10)
    embed = final.embeds[0]
    assert "@demo" in embed["title"]
    assert "Next check <t:" in embed["description"]
    assert {f["name"] for f in embed["fields"]} >= {"Views", "Likes"}
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_post_analytics") == 1
    stack.emulator.assert_no_violations()


async def test_tracking_twice_says_so_and_changes_nothing(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=VIDEO)).final(timeout=10)
    again = await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=VIDEO)).final(
        timeout=10
    )
    assert "Already tracked" in again.embeds[0]["description"]
    assert await clean_db.fetchval("SELECT count(*) FROM guild_posts") == 1
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_post_analytics") == 1


async def test_a_bad_url_gets_an_ephemeral_error_and_writes_nothing(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    calls_before = stack.simulator.calls
    for bad in ("https://example.com/@a/video/1", "javascript:alert(1)"):
        i = await stack.emulator.invoke(w.member, "track", channel=w.channel, url=bad)
        final = await i.final(timeout=10)
        assert final.ephemeral
        assert "not a TikTok video link" in final.content
    assert await clean_db.fetchval("SELECT count(*) FROM social_media_posts") == 0
    assert stack.simulator.calls == calls_before  # rejected before any API call


async def test_untrack_with_autocomplete_stops_the_checkbacks(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=VIDEO)).final(timeout=10)
    choices = await stack.emulator.autocomplete(w.member, "untrack", focused="post", value="demo")
    assert len(choices) == 1 and "@demo" in choices[0]["name"]
    i = await stack.emulator.invoke(w.member, "untrack", channel=w.channel, post=choices[0]["value"])
    final = await i.final(timeout=10)
    assert "Untracked" in final.embeds[0]["title"]
    row = await clean_db.fetchrow("SELECT next_check_at, tracking_stopped_reason FROM social_media_posts")
    assert row["next_check_at"] is None and row["tracking_stopped_reason"] == "untracked"


async def test_untrack_of_an_unknown_post_is_a_clear_ephemeral_error(stack: Stack) -> None:
    w = stack.world
    final = await (await stack.emulator.invoke(w.member, "untrack", channel=w.channel, post=999)).final(
        timeout=10
    )
    assert final.ephemeral and "No tracked post matches #999" in final.content


async def test_tracked_pages_with_buttons(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    for n in range(12):
        url = f"https://www.tiktok.com/@demo/video/{7301234567890120000 + n}"
        await (await stack.emulator.invoke(w.member, "track", channel=w.channel, url=url)).final(timeout=10)
    i = await stack.emulator.invoke(w.member, "tracked", channel=w.channel)
    first = await i.final(timeout=10)
    assert first.embeds[0]["description"].count("**#") == 10
    older = [cid for cid in first.custom_ids if cid.endswith(":older")]
    assert older, first.components
    press = await stack.emulator.press(w.member, first, older[0])
    page2 = await press.final(timeout=10)
    assert page2.embeds[0]["description"].count("**#") == 2
    assert "**#1**" in page2.embeds[0]["description"]


async def test_a_checkback_falls_due_and_reaches_the_channel(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    # Publish the video just now, so its 1-hour check is ahead.
    await track_fresh(stack, "7301234567890123999")
    clock.advance(timedelta(hours=1, minutes=1))
    message = await stack.emulator.wait_for_message(w.channel, timeout=10)
    assert any("@demo" in (e.get("title") or "") for e in message.embeds)
    snaps = await clean_db.fetch("SELECT check_index FROM social_media_post_analytics ORDER BY check_index")
    assert [s["check_index"] for s in snaps] == [0, 1]


async def test_every_command_is_registered_for_servers_only(stack: Stack) -> None:
    # Every top-level command, group and context menu the bot syncs, not a chosen few: the tree marks
    # them all (bot/discord/tree.py), so a new cog cannot forget to.
    registered = {c["name"]: c for c in stack.emulator.commands()}
    assert {"track", "untrack", "tracked", TRACK_MENU} <= registered.keys()
    for command in registered.values():
        assert command["contexts"] == [0], command
        assert command["dm_permission"] is False, command


async def test_an_unexpected_error_gets_a_reference_that_is_in_the_log(
    stack: Stack, clean_db: asyncpg.Pool, caplog
) -> None:
    w = stack.world
    await clean_db.execute("ALTER TABLE guild_posts RENAME TO guild_posts_away")
    try:
        final = await (await stack.emulator.invoke(w.member, "tracked", channel=w.channel)).final(timeout=10)
    finally:
        await clean_db.execute("ALTER TABLE guild_posts_away RENAME TO guild_posts")
    assert final.ephemeral
    assert "Reference: `" in final.content
    ref = final.content.split("`")[1]
    logged = [r for r in caplog.records if getattr(r, "ref", None) == ref]
    assert logged and logged[0].exc_info is not None
    assert "guild_posts" not in final.content  # internals stay in the log


async def test_the_gateway_dropped_is_resumed_and_later_commands_answered(stack: Stack) -> None:
    w = stack.world
    identifies = stack.emulator.identify_count
    await stack.emulator.drop_gateway(code=4000)
    await stack.emulator.wait_until(lambda: stack.emulator.resume_count or None, timeout=10, what="resume")
    final = await (await stack.emulator.invoke(w.member, "tracked", channel=w.channel)).final(timeout=10)
    assert final.embeds[0]["title"].startswith("Tracked posts")
    assert stack.emulator.identify_count == identifies  # resumed, not a new session


async def test_a_deleted_channel_is_marked_broken_and_not_retried_forever(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    await track_fresh(stack, "7301234567890124000")
    await clean_db.execute(
        "INSERT INTO guild_settings (guild_id, notify_channel_id) VALUES ($1, $2)", w.guild.id, w.channel.id
    )
    w.channel.delete()
    clock.advance(timedelta(hours=1, minutes=1))
    await stack.emulator.wait_until(
        lambda: True if stack.emulator.requests_to(f"POST /channels/{w.channel.id}/messages") else None,
        timeout=10,
        what="a send attempt",
    )
    for _ in range(50):  # the dispatcher marks the guild right after Discord's 404
        broken = await clean_db.fetchval(
            "SELECT channel_broken_reason FROM guild_settings WHERE guild_id = $1", w.guild.id
        )
        if broken:
            break
        await asyncio.sleep(0.1)
    assert broken and "no longer exists" in broken
    attempts = len(stack.emulator.requests_to(f"POST /channels/{w.channel.id}/messages"))
    # Three more dispatcher runs, each of which would have retried the send: waited on, not slept.
    dispatcher = stack.bot.services.dispatcher
    assert dispatcher is not None
    runs = dispatcher.runs
    await stack.emulator.wait_until(lambda: dispatcher.runs >= runs + 3 or None, timeout=30, what="3 runs")
    assert len(stack.emulator.requests_to(f"POST /channels/{w.channel.id}/messages")) == attempts
