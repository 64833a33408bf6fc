"""The digest through the real bot, the Discord emulator and Postgres: /config digest sets, shows, refuses bad
input and stops it; at its time one message with the period's numbers and its chart goes to its channel
through the outbox, once a period, also after a restart over several periods; /digest now previews it to the
asker alone and enqueues nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg

from bot.clock import ManualClock
from bot.sandbox.discord import Channel, Message, Permissions
from bot.sandbox.stack import Stack
from tests.charts.png import PNG_MAGIC
from tests.e2e.helpers import track_fresh
from tests.e2e.test_alert_routes import bot_sees
from tests.e2e.test_analytics import wait_for_snapshots

VIDEOS = ("7301234567890160001", "7301234567890160002", "7301234567890160003")


async def set_digest(stack: Stack, channel: Channel, every: str = "daily", at: str = "10:00") -> Message:
    return await stack.reply(stack.world.admin, "config digest", channel=channel, every=every, at=at)


async def digest_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT o.id, o.payload, o.sent_at, (SELECT count(*) FROM outbox_files f WHERE f.outbox_id = o.id) AS files"
        " FROM notification_outbox o WHERE kind = 'digest' ORDER BY id"
    )


async def engine_runs(stack: Stack, more: int = 2) -> None:
    """Wait until the digest engine (and the dispatcher after it) has run `more` times: what a digest sent
    twice would have needed."""
    services = stack.bot.services
    engine, dispatcher = services.digest_engine, services.dispatcher
    assert dispatcher is not None
    goal, sent_goal = engine.runs + more, dispatcher.runs + more
    await stack.emulator.wait_until(
        lambda: engine.runs >= goal and dispatcher.runs >= sent_goal or None, timeout=10, what="digest runs"
    )


def digests_in(stack: Stack, channel: Channel) -> list[Message]:
    return [m for m in stack.emulator.sent_messages(channel) if m.embeds and "digest" in m.embeds[0]["title"]]


async def tracked_with_checks(stack: Stack, clock: ManualClock, pool: asyncpg.Pool) -> None:
    """Three posts of @demo tracked, and their 1h check-backs recorded."""
    for video in VIDEOS:
        await track_fresh(stack, video)
    clock.advance(timedelta(hours=1))
    await wait_for_snapshots(pool, 2 * len(VIDEOS))


async def digest_of_three_posts(stack: Stack, clock: ManualClock, pool: asyncpg.Pool, at: str) -> Channel:
    """At 09:00 UTC, a daily digest at `at` (UTC) to a #digests channel, then three posts tracked and checked
    (`tracked_with_checks`: the clock is then at 10:00); returns the channel."""
    digests = stack.world.guild.add_channel("digests")
    await stack.reply(stack.world.admin, "config timezone", zone="UTC")
    await set_digest(stack, digests, "daily", at)
    await tracked_with_checks(stack, clock, pool)
    return digests


async def test_config_digest_sets_shows_and_stops_it(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    digests = w.guild.add_channel("digests")
    await stack.reply(w.admin, "config timezone", zone="Europe/Berlin")
    reply = await set_digest(stack, digests, "weekly", "9:30")
    assert not reply.ephemeral
    assert f"<#{digests.id}> every Monday at **09:30** (Europe/Berlin)" in reply.content
    row = await clean_db.fetchrow("SELECT * FROM digest_settings WHERE guild_id = $1", w.guild.id)
    assert (row["channel_id"], row["every"], row["at_minute"]) == (digests.id, "weekly", 570)
    shown = {f["name"]: f["value"] for f in (await stack.reply(w.admin, "config show")).embeds[0]["fields"]}
    assert shown["Digest"].startswith(f"<#{digests.id}> · weekly at 09:30 (Europe/Berlin) · next <t:")

    off = await stack.reply(w.admin, "config digest", off=True)
    assert "The digest is off" in off.content
    assert await clean_db.fetchval("SELECT count(*) FROM digest_settings") == 0
    shown = {f["name"]: f["value"] for f in (await stack.reply(w.admin, "config show")).embeds[0]["fields"]}
    assert shown["Digest"].startswith("off")
    assert "no digest to stop" in (await stack.reply(w.admin, "config digest", off=True)).content
    stack.emulator.assert_no_violations()


async def test_bad_input_is_one_private_line_and_changes_nothing(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    await set_digest(stack, w.channel, "daily", "08:00")
    before = await clean_db.fetchrow("SELECT * FROM digest_settings")
    no_files = w.guild.add_channel("no-files")
    no_files.revoke_bot(Permissions.ATTACH_FILES)
    locked = w.guild.add_channel("locked")
    locked.revoke_bot(Permissions.SEND_MESSAGES)
    await bot_sees(stack, no_files, "attach_files", False)
    await bot_sees(stack, locked, "send_messages", False)
    for options, why in [
        ({"channel": w.channel, "every": "daily", "at": "25:00"}, "'25:00' is not a time of day"),
        ({"channel": w.channel, "every": "daily", "at": "9h"}, "use 24-hour HH:MM"),
        ({"channel": w.channel, "every": "daily", "at": "12:60"}, "is not a time of day"),
        ({"channel": no_files, "every": "daily", "at": "09:00"}, "it lacks Attach Files"),
        ({"channel": locked, "every": "daily", "at": "09:00"}, "it lacks Send Messages"),
        ({"channel": w.channel, "at": "09:00"}, "A digest needs channel, every and at"),
        ({"channel": w.channel, "off": True}, "give it alone"),
    ]:
        answer = await stack.reply(w.admin, "config digest", **options)
        assert answer.ephemeral and why in answer.content, (options, answer.content)
    assert await clean_db.fetchrow("SELECT * FROM digest_settings") == before
    # Members may not set it.
    w.guild.allow_command("config")
    refused = await stack.reply(w.member, "config digest", channel=w.channel, every="weekly", at="07:00")
    assert refused.ephemeral and "Only admins" in refused.content
    assert await clean_db.fetchrow("SELECT * FROM digest_settings") == before


async def test_a_digest_goes_out_once_at_its_time_with_its_chart(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    digests = await digest_of_three_posts(stack, clock, clean_db, "10:30")  # the first: today at 10:30
    assert digests_in(stack, digests) == []
    assert await digest_rows(clean_db) == []

    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=clock.now().tzinfo))
    message = await stack.emulator.wait_for_message(digests, timeout=10)
    embed = message.embeds[0]
    assert embed["title"] == "📰 Daily digest"
    assert embed["description"] == "Sun 01 Mar 10:30 – Mon 02 Mar 10:30 (UTC)"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    movers = fields["Top movers"].splitlines()
    assert len(movers) == 3 and all("@demo" in line and "views (now" in line for line in movers)
    assert "calls in this period" in fields["API budget"] or "call in this period" in fields["API budget"]
    assert fields["New posts of watched accounts"] == "None."
    assert [a.filename for a in message.attachments] == ["digest.png"]
    assert message.attachments[0].data.startswith(PNG_MAGIC)
    assert embed["image"]["url"] == "attachment://digest.png"
    assert not message.content and not message.pings  # a digest pings nobody

    # The rest of the period, and a second engine run at the same instant, send nothing more.
    await asyncio.gather(
        stack.bot.services.digest_engine.run_due(), stack.bot.services.digest_engine.run_due()
    )
    clock.advance(timedelta(hours=23))
    await engine_runs(stack)
    assert len(digests_in(stack, digests)) == 1
    [row] = await digest_rows(clean_db)
    assert row["files"] == 1 and row["sent_at"] is not None
    # The next day's comes at 10:30 again, covering the day since the first.
    clock.advance(timedelta(hours=1))
    await stack.emulator.wait_until(
        lambda: len(digests_in(stack, digests)) == 2 or None, timeout=10, what="2nd"
    )
    assert (
        digests_in(stack, digests)[1]
        .embeds[0]["description"]
        .startswith("Mon 02 Mar 10:30 – Tue 03 Mar 10:30")
    )
    stack.emulator.assert_no_violations()


async def test_after_three_days_down_one_digest_for_the_latest_period(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    digests = await digest_of_three_posts(stack, clock, clean_db, "11:00")
    await engine_runs(stack)
    assert digests_in(stack, digests) == []  # 10:00: the first is due at 11:00

    # Down from 10:00 on the 2nd to 10:00 on the 5th: the digests of the 2nd, 3rd and 4th at 11:00 missed.
    await stack.restart_bot(down_for=timedelta(days=3))
    message = await stack.emulator.wait_for_message(digests, timeout=10)
    assert message.embeds[0]["description"] == "Tue 03 Mar 11:00 – Wed 04 Mar 11:00 (UTC)"
    await engine_runs(stack)
    assert len(digests_in(stack, digests)) == 1
    assert len(await digest_rows(clean_db)) == 1
    assert await clean_db.fetchval("SELECT last_period_start FROM digest_settings") == datetime.fromisoformat(
        "2026-03-03T11:00:00+00:00"
    )
    stack.emulator.assert_no_violations()


async def test_digest_now_previews_privately_with_its_chart_and_enqueues_nothing(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w = stack.world
    await tracked_with_checks(stack, clock, clean_db)
    i = await stack.emulator.invoke(w.member, "digest now", channel=w.channel)
    first = await i.final(timeout=10)
    assert first.ephemeral and "image" not in first.embeds[0]  # the numbers at once, the chart as an edit
    message = await stack.emulator.wait_until(lambda: i.message if i.message.attachments else None, 10)
    assert message.ephemeral
    embed = message.embeds[0]
    assert embed["title"] == "📰 Daily digest · preview, so far"
    assert embed["image"]["url"] == "attachment://digest.png"
    assert message.attachments[0].data.startswith(PNG_MAGIC)
    assert len({f["name"]: f["value"] for f in embed["fields"]}["Top movers"].splitlines()) == 3
    assert await digest_rows(clean_db) == []
    assert await clean_db.fetchval("SELECT count(*) FROM digest_settings") == 0
    stack.emulator.assert_no_violations()
