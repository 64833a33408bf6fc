"""The outbox dispatcher: batching per channel, at-least-once delivery, broken channels, rendering."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bot.notices import CapAlert, parse
from bot.notifications import OutboxDispatcher, RecordingSender, chunk_embeds
from bot.render.notices import render_notice
from bot.render.text import discord_ts
from db import guilds as db_guilds
from db import outbox as db_outbox

from .conftest import CHANNEL, World

GUILD_CHANNEL = 777_000_000_000_000_001


async def enqueue(world: World, n: int, *, guild_id: int | None = None, start: int = 0) -> None:
    for i in range(start, start + n):
        await db_outbox.enqueue(
            world.pool,
            kind="checkback",
            dedupe_key=f"test:{guild_id}:{i}",
            guild_id=guild_id,
            payload={
                "post_id": i,
                "video_id": str(7400 + i),
                "author": "maker_jo",
                "url": f"https://www.tiktok.com/@maker_jo/video/{7400 + i}",
                "check_index": 1,
                "checks_total": 9,
                "offset": "1h",
                "metrics": {"views": 1000 + i, "likes": 10, "comments": 1, "shares": 1, "saves": 0},
                "since_previous": {"views": 100, "likes": 1},
                "since_first": {"views": 100},
                "views_per_hour": 100.0,
                "engagement_rate": 0.012,
                "captured_at": world.clock.now().isoformat(),
                "next_check_at": (world.clock.now() + timedelta(hours=5)).isoformat(),
            },
            now=world.clock.now(),
        )


def posts_in(message: Any) -> list[str]:
    return [re.search(r"#(\d+)", e["title"]).group(1) for e in message.embeds]  # type: ignore[union-attr]


async def test_fifteen_rows_for_one_channel_make_two_messages(world: World) -> None:
    await enqueue(world, 15)
    report = await world.dispatcher.run_once()
    assert report.messages == 2 and report.rows_sent == 15
    assert [len(m.embeds) for m in world.sender.messages] == [10, 5]
    assert {m.channel_id for m in world.sender.messages} == {CHANNEL}
    rows = await world.pool.fetch("SELECT sent_at, discord_message_id FROM notification_outbox ORDER BY id")
    ids = [m.message_id for m in world.sender.messages]
    assert [r["discord_message_id"] for r in rows] == [ids[0]] * 10 + [ids[1]] * 5
    assert all(r["sent_at"] == world.clock.now() for r in rows)
    assert (await world.dispatcher.run_once()).messages == 0


class Crash(BaseException):
    """The process dying: not an Exception, so nothing on the way up handles it."""


class CrashingSender(RecordingSender):
    """Records like any sender; on send number `crash_on` the message goes out and then the process dies
    before the dispatcher can mark it."""

    def __init__(self, crash_on: int) -> None:
        super().__init__()
        self.crash_on = crash_on

    async def send(self, channel_id: int, embeds: list[dict[str, Any]]) -> int:
        message_id = await super().send(channel_id, embeds)
        if len(self.messages) == self.crash_on:
            raise Crash
        return message_id


async def test_a_crash_between_send_and_mark_resends_that_batch_only(world: World) -> None:
    await enqueue(world, 25)
    sender = CrashingSender(crash_on=2)
    lease = timedelta(minutes=2)

    def dispatcher() -> OutboxDispatcher:  # the one that dies, then the one that restarts
        return OutboxDispatcher(
            world.pool,
            sender,
            world.clock,
            render=render_notice,
            default_channel_id=CHANNEL,
            channel_interval=0,
            lease=lease,
        )

    dying = dispatcher()
    with pytest.raises(Crash):
        await dying.run_once()
    assert [len(m.embeds) for m in sender.messages] == [10, 10]
    assert await world.pool.fetchval("SELECT count(*) FROM notification_outbox WHERE sent_at IS NULL") == 15

    restarted = dispatcher()
    assert (await restarted.run_once()).messages == 0  # the dead one's lease still holds its rows
    world.clock.advance(lease + timedelta(seconds=1))
    report = await restarted.run_once()
    assert report.rows_sent == 15
    first, crashed, again, last = sender.messages
    assert posts_in(crashed) == posts_in(again) == [str(i) for i in range(10, 20)]
    assert posts_in(first) == [str(i) for i in range(10)] and posts_in(last) == [
        str(i) for i in range(20, 25)
    ]
    assert await world.pool.fetchval("SELECT count(*) FROM notification_outbox WHERE sent_at IS NULL") == 0
    assert (await restarted.run_once()).messages == 0
    assert len(sender.messages) == 4


async def test_rows_go_to_their_channel_then_the_guilds_then_the_default(world: World) -> None:
    await db_guilds.set_notify_channel(world.pool, 1, GUILD_CHANNEL, world.clock.now())
    await enqueue(world, 2, guild_id=1)
    await enqueue(world, 1, guild_id=2, start=10)  # no channel set: NOTIFY_CHANNEL_ID
    await db_outbox.enqueue(
        world.pool,
        kind="budget",
        dedupe_key="x",
        payload={"month": "2026-03"},
        channel_id=42,
        now=world.clock.now(),
    )
    await world.dispatcher.run_once()
    by_channel = {m.channel_id: len(m.embeds) for m in world.sender.messages}
    assert by_channel == {GUILD_CHANNEL: 2, CHANNEL: 1, 42: 1}

    nowhere = OutboxDispatcher(
        world.pool, world.sender, world.clock, render=render_notice, channel_interval=0
    )
    await enqueue(world, 1, guild_id=3, start=20)
    report = await nowhere.run_once()
    assert report.rows_dropped == 1 and report.messages == 0
    err = await world.pool.fetchval("SELECT last_error FROM notification_outbox WHERE guild_id = 3")
    assert "no notification channel" in err


async def test_a_broken_channel_marks_the_guild_and_tells_it_once(world: World) -> None:
    await db_guilds.set_notify_channel(world.pool, 1, GUILD_CHANNEL, world.clock.now())
    world.sender.broken.add(GUILD_CHANNEL)
    await enqueue(world, 3, guild_id=1)
    report = await world.dispatcher.run_once()
    assert report.broken_channels == [GUILD_CHANNEL]
    settings = await db_guilds.get_settings(world.pool, 1)
    assert settings.channel_broken_at == world.clock.now()
    [notice] = world.sender.messages
    assert notice.channel_id == CHANNEL and notice.embeds[0]["title"] == "Notification channel unusable"
    # Later rows of that guild wait (not sent, not lost) and the guild is not told again.
    await enqueue(world, 2, guild_id=1, start=3)
    world.clock.advance(timedelta(minutes=11))
    await world.dispatcher.run_once()
    assert len(world.sender.messages) == 1
    pending = await world.pool.fetch("SELECT last_error FROM notification_outbox WHERE sent_at IS NULL")
    assert len(pending) == 5 and all("broken" in r["last_error"] for r in pending)
    # An admin sets a working channel: everything waiting goes out.
    await db_guilds.set_notify_channel(world.pool, 1, GUILD_CHANNEL + 1, world.clock.now())
    world.clock.advance(timedelta(minutes=11))
    await world.dispatcher.run_once()
    assert [len(m.embeds) for m in world.sender.in_channel(GUILD_CHANNEL + 1)] == [5]


async def test_a_transient_send_failure_is_retried_later(world: World) -> None:
    world.sender.failing[CHANNEL] = 1
    await enqueue(world, 3)
    report = await world.dispatcher.run_once()
    assert report.messages == 0 and report.rows_retried == 3
    assert (await world.dispatcher.run_once()).messages == 0  # not before retry_after
    world.clock.advance(timedelta(seconds=2))
    assert (await world.dispatcher.run_once()).rows_sent == 3
    assert [len(m.embeds) for m in world.sender.messages] == [3]


async def test_cap_alerts_from_try_record_action_reach_the_default_channel(world: World) -> None:
    account = await world.pool.fetchval(
        "INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', 'bot_acct') RETURNING id"
    )
    await world.pool.execute(
        "UPDATE action_caps SET daily_limit = 5, hourly_limit = NULL WHERE action_type = 'like'"
    )
    for _ in range(5):
        assert await world.pool.fetchval("SELECT try_record_action($1, 'like')", account) is not None
    # The SQL function stamps its rows with the server's now(); the test clock catches up with it.
    world.clock.set(datetime.now(UTC) + timedelta(seconds=1))
    await world.dispatcher.run_once()
    titles = [e["title"] for m in world.sender.messages for e in m.embeds]
    assert titles == ["⚠️ @bot_acct: like cap at 80%", "⛔ @bot_acct: like cap at 100%"]


def test_embeds_are_discord_shaped_with_discord_timestamps() -> None:
    embed = render_notice(
        parse(
            "checkback",
            {
                "post_id": 3,
                "author": "a",
                "metrics": {"views": 12345},
                "since_previous": {"views": 345, "likes": 3},
                "next_check_at": "2026-03-02T13:00:00+00:00",
                "late_seconds": 7300,
                "skipped": 2,
                "check_index": 4,
                "checks_total": 9,
            },
        )
    )
    assert set(embed) <= {"title", "description", "url", "color", "fields", "footer", "timestamp"}
    assert "<t:1772456400:R>" in embed["description"] and "2 h 1 min late" in embed["description"]
    assert embed["fields"][0] == {"name": "Views", "value": "12,345 (+345)", "inline": True}
    assert discord_ts("2026-03-02T13:00:00+00:00", "f") == "<t:1772456400:f>"
    # A malformed payload does not make a notice (the dispatcher sets its row aside, tested below).
    with pytest.raises(ValidationError):
        parse("milestone", {})


def test_batches_respect_discords_size_limits() -> None:
    big = {"title": "x", "description": "y" * 4000}
    assert chunk_embeds([big] * 3) == [[0], [1], [2]]
    assert chunk_embeds([{"title": "t"}] * 23) == [list(range(10)), list(range(10, 20)), [20, 21, 22]]


async def test_a_row_that_no_longer_validates_is_set_aside_and_logged_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await enqueue(world, 2)
    for kind, key, payload in (
        ("milestone", "bad:1", {"post_id": 1, "milestone": "ten thousand"}),
        ("no_such_kind", "bad:2", {"post_id": 2}),
        ("checkback", "bad:3", {"post_id": 3, "check_index": 1, "checks_total": 9, "renamed_field": 1}),
    ):
        await db_outbox.enqueue(world.pool, kind=kind, dedupe_key=key, payload=payload, now=world.clock.now())
    with caplog.at_level(logging.ERROR, logger="bot.notifications"):
        report = await world.dispatcher.run_once()
    # The valid rows go out; the three others are given up, each with its reason, and never claimed again.
    assert report.rows_sent == 2 and report.rows_invalid == 3
    set_aside = await world.pool.fetch(
        "SELECT kind, last_error FROM notification_outbox WHERE discord_message_id IS NULL AND sent_at IS NOT NULL"
        " ORDER BY id"
    )
    assert [r["kind"] for r in set_aside] == ["milestone", "no_such_kind", "checkback"]
    assert "milestone: Input should be a valid integer" in set_aside[0]["last_error"]
    assert "renamed_field" in set_aside[2]["last_error"]
    assert len([r for r in caplog.records if "set aside" in r.getMessage()]) == 3
    caplog.clear()
    world.clock.advance(timedelta(hours=1))
    with caplog.at_level(logging.ERROR, logger="bot.notifications"):
        again = await world.dispatcher.run_once()
    assert again.rows_invalid == 0 and again.messages == 0 and not caplog.records
    assert await world.pool.fetchval("SELECT count(*) FROM notification_outbox WHERE sent_at IS NULL") == 0


async def test_the_cap_alerts_written_by_sql_are_valid_notices(world: World) -> None:
    account = await world.pool.fetchval(
        "INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', 'sql_acct') RETURNING id"
    )
    await world.pool.execute(
        "UPDATE action_caps SET daily_limit = 5, hourly_limit = NULL WHERE action_type = 'comment'"
    )
    for _ in range(6):  # the sixth is refused: over the cap
        await world.pool.fetchval("SELECT try_record_action($1, 'comment')", account)
    rows = await world.pool.fetch("SELECT kind, payload FROM notification_outbox ORDER BY id")
    alerts = [parse(r["kind"], r["payload"]) for r in rows]
    caps = [a for a in alerts if isinstance(a, CapAlert)]
    assert len(caps) == len(alerts)
    assert [(a.account, a.action_type, a.level, a.count, a.daily_limit) for a in caps] == [
        ("sql_acct", "comment", 80, 4, 5),
        ("sql_acct", "comment", 100, 5, 5),
    ]
    assert all(a.account_id == account and a.at is not None for a in caps)


async def test_a_row_with_files_goes_alone_with_them_and_once(world: World) -> None:
    """A digest's chart travels with its outbox row (outbox_files) and is attached to its message, which
    carries that row alone; the rows around it are batched as usual."""
    from bot import notices
    from bot.notices import DigestNotice

    await enqueue(world, 2)
    now = world.clock.now()
    digest = DigestNotice(
        guild_id=1, period_start=now - timedelta(days=1), period_end=now, chart="digest.png"
    )
    async with world.pool.acquire() as conn, conn.transaction():
        written = await notices.enqueue(
            conn, digest, dedupe_key="digest:1:x", now=now, channel_id=CHANNEL, files=[("digest.png", b"png")]
        )
        again = await notices.enqueue(
            conn,
            digest,
            dedupe_key="digest:1:x",
            now=now,
            channel_id=CHANNEL,
            files=[("digest.png", b"other")],
        )
    assert written and not again
    await enqueue(world, 2, start=2)
    report = await world.dispatcher.run_once()
    assert report.rows_sent == 5 and report.messages == 3
    [alone] = [m for m in world.sender.messages if m.files]
    assert alone.files == (("digest.png", b"png"),) and len(alone.embeds) == 1
    assert alone.embeds[0]["image"]["url"] == "attachment://digest.png"
    assert all(
        not m.files and "digest" not in m.embeds[0]["title"] for m in world.sender.messages if m is not alone
    )
    assert await world.pool.fetchval("SELECT count(*) FROM outbox_files") == 1
