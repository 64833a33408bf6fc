"""Errors stay private (issue 15): whoever runs a command is the only one who sees its error, before or after
a deferral, and on buttons. Discord turns the first follow-up after a deferral into the deferred message
with the deferral's visibility (the emulator models it), so after a public deferral the bot deletes the
"is thinking..." placeholder before its ephemeral error."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from bot.clock import ManualClock
from bot.conversations import ConversationService
from bot.sandbox.discord.records import Interaction
from bot.sandbox.stack import Stack
from tests.e2e.helpers import track_fresh


async def private_error(stack: Stack, interaction: Interaction, says: str) -> None:
    """The interaction was deferred publicly, and all that is left of it is one ephemeral error."""
    final = await interaction.final(timeout=15)
    assert final.ephemeral and says in final.content, final.content
    public = [
        m for m in [interaction.original, *interaction.followups] if m and not m.ephemeral and not m.deleted
    ]
    assert not public, [(m.content, m.embeds) for m in public]


async def test_errors_after_a_public_deferral_are_seen_by_the_user_only(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w, emu = stack.world, stack.emulator
    deleted = await emu.invoke(
        w.member, "track", channel=w.channel, url="https://www.tiktok.com/@demo/video/7301234567890123404"
    )
    await private_error(stack, deleted, "")
    assert deleted.deferred and deleted.callbacks[0].data.get("flags", 0) & 64 == 0  # a public deferral

    for command, values in (
        ("search users", {"query": "food"}),
        ("search videos", {"query": "food"}),
        ("search hashtags", {"query": "food"}),
    ):
        stack.simulator.fail_next(10, kind="error")
        i = await emu.invoke(w.member, command, channel=w.channel, **values)
        await private_error(stack, i, "metrics API")
        assert i.deferred, command
        stack.simulator._forced.clear()  # the failures the retries did not use

    await track_fresh(stack, "7301234567890125006")
    choices = await emu.autocomplete(w.member, "comments", focused="post", value="7301234567890125006")
    post = int(choices[0]["value"])
    stack.simulator.fail_next(10, kind="error")
    comments = await emu.invoke(w.member, "comments", channel=w.channel, post=post)
    await private_error(stack, comments, "metrics API")
    assert comments.deferred
    stack.simulator._forced.clear()

    stack.simulator.fail_next(10, kind="error")
    watch = await emu.invoke(w.admin, "watch add", channel=w.channel, account="somebrand")
    await private_error(stack, watch, "")
    assert watch.deferred
    emu.assert_no_violations()


async def test_a_failing_button_answers_the_presser_privately(
    stack: Stack, clean_db: asyncpg.Pool, clock: ManualClock
) -> None:
    w, emu = stack.world, stack.emulator
    service = ConversationService(clean_db, clock)
    await service.record_incoming("brand", "fan_01", "hello", sent_at=clock.now() - timedelta(hours=1))
    cid = await clean_db.fetchval("SELECT id FROM social_media_conversations")
    shown = await stack.reply(w.member, "conversation", participant=str(cid))
    await clean_db.execute("DELETE FROM social_media_messages")
    await clean_db.execute("DELETE FROM social_media_conversations")
    pressed = await emu.press(w.member, shown, f"cb:conv:{cid}:read")
    final = await pressed.final(timeout=10)
    assert final.ephemeral and final.content and final is not shown
