"""A worker killed with SIGKILL and started again: every check recorded once, every notification once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg

from db.snapshots import count_duplicates
from tests.conftest import Outside
from tests.reliability.helpers import (
    WORKER,
    BotProcess,
    all_done,
    assert_each_sent_once,
    due_for_workers,
    embeds_in,
    eventually,
    expire_leases,
)

POSTS = 1000


async def test_a_worker_killed_mid_drain_and_restarted_records_and_delivers_each_check_once(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    emu = outside.emu
    teams, env = await due_for_workers(outside, clean_db, dsn, 20, POSTS)

    first = await BotProcess.start(env, tmp_path / "first.log", *WORKER)
    try:
        # In the middle of the drain: some checks recorded, most not, calls and writes in flight.
        await eventually(
            lambda: clean_db.fetchval(
                "SELECT count(*) >= 300 FROM social_media_post_analytics WHERE check_index = 1"
            ),
            within=120,
            what="300 checks recorded by the first worker",
        )
    finally:
        await first.kill()
    recorded = await clean_db.fetchval("SELECT count(*) FROM social_media_post_analytics")
    assert recorded < POSTS, "the drain finished before the kill; the test proves nothing"

    await expire_leases(clean_db)
    second = await BotProcess.start(env, tmp_path / "second.log", *WORKER)
    try:
        await eventually(lambda: all_done(clean_db, POSTS), within=180, what="every check recorded and sent")
    finally:
        assert await second.stop() == 0, second.output()[-3000:]

    pairs = await clean_db.fetch(
        "SELECT post_id, check_index, count(*) AS n FROM social_media_post_analytics GROUP BY 1, 2"
    )
    assert len(pairs) == POSTS and {(p["check_index"], p["n"]) for p in pairs} == {(1, 1)}
    async with clean_db.acquire() as conn:
        assert await count_duplicates(conn) == 0
    assert_each_sent_once(emu, teams, POSTS)
    # Every notification row (check-backs and any alerts) is one embed in a channel, and vice versa.
    sent_rows = await clean_db.fetchval(
        "SELECT count(*) FROM notification_outbox WHERE discord_message_id IS NOT NULL"
    )
    assert embeds_in(emu, teams.channels) == sent_rows
    emu.assert_no_violations()


async def test_a_worker_killed_between_send_and_mark_does_not_deliver_twice(
    outside: Outside, clean_db: asyncpg.Pool, dsn: str, tmp_path: Path
) -> None:
    emu = outside.emu
    teams, env = await due_for_workers(outside, clean_db, dsn, 1, 30)
    # Discord creates the first message, and the worker dies before it hears back: the outbox rows of that
    # message are still unsent when the next worker starts.
    emu.hold_message_answers = asyncio.Event()
    first = await BotProcess.start(env, tmp_path / "first.log", *WORKER)
    try:
        await emu.wait_until(
            lambda: emu.sent_messages(teams.channels[0]) or None, timeout=60, what="the first message"
        )
    finally:
        await first.kill()
    emu.hold_message_answers.set()
    emu.hold_message_answers = None
    assert await clean_db.fetchval("SELECT count(*) FROM notification_outbox WHERE sent_at IS NOT NULL") == 0
    # The restart comes after Discord's nonce window: the emulator's nonce memory is moved past it (its
    # clock is injectable), so only the history check can keep the batch from showing twice.
    emu.nonce_clock = lambda: time.monotonic() + emu.nonce_window + 1

    await expire_leases(clean_db)
    second = await BotProcess.start(env, tmp_path / "second.log", *WORKER)
    try:
        await eventually(lambda: all_done(clean_db, 30), within=60, what="every notification sent")
    finally:
        assert await second.stop() == 0, second.output()[-3000:]
    assert emu.nonce_repeats == 0  # not resent: found in the channel's recent messages and marked
    assert_each_sent_once(emu, teams, 30)
    first_message = emu.sent_messages(teams.channels[0])[0]
    marked = await clean_db.fetchval(
        "SELECT count(*) FROM notification_outbox WHERE discord_message_id = $1", first_message.id
    )
    assert marked == len(first_message.embeds)
