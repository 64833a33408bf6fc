"""/conversations and /conversation through the real bot and the Discord emulator."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.conversations import ConversationService
from bot.sandbox.discord.commands import InvalidInvocation
from bot.sandbox.stack import Stack


@pytest.fixture
async def inbox(clean_db: asyncpg.Pool, clock: ManualClock) -> ConversationService:
    """Twelve conversations of @brand: fan_00 wrote last (newest), fan_11 first; fan_03 was answered."""
    service = ConversationService(clean_db, clock)
    start = clock.now() - timedelta(hours=12)
    for n in range(12):
        at = start + timedelta(minutes=60 - n)
        await service.record_incoming("brand", f"fan_{n:02d}", f"hello from fan {n}", sent_at=at)
    await service.record_outgoing("brand", "fan_03", "thanks!", sent_at=start + timedelta(hours=2))
    await service.mark_read("brand", "fan_03")
    return service


async def test_conversations_lists_unread_newest_first_and_pages(
    stack: Stack, inbox: ConversationService
) -> None:
    w = stack.world
    first = await stack.reply(w.member, "conversations")
    description = first.embeds[0]["description"]
    assert description.count("**@fan_") == 10
    assert description.index("@fan_00") < description.index("@fan_01")
    assert "@fan_03" not in description  # read: not in the unread list
    assert "1 unread" in description
    assert "1-10 of 11" in first.embeds[0]["footer"]["text"]
    older = next(cid for cid in first.custom_ids if cid.endswith(":older"))
    page2 = await (await stack.emulator.press(w.member, first, older)).final()
    assert page2.embeds[0]["description"].count("**@fan_") == 1
    assert "@fan_11" in page2.embeds[0]["description"]
    all_ = await stack.reply(w.member, "conversations", filter="all")
    assert all_.embeds[0]["description"].index("@fan_03") == all_.embeds[0]["description"].index("**@") + 2
    stack.emulator.assert_no_violations()


async def test_conversations_with_nothing_to_show_says_so(stack: Stack, clean_db: asyncpg.Pool) -> None:
    w = stack.world
    final = await stack.reply(w.member, "conversations", filter="archived")
    assert final.embeds[0]["description"] == "No conversations." and not final.components
    with pytest.raises(InvalidInvocation):
        await stack.emulator.invoke(w.member, "conversations", channel=w.channel, filter="spam")


async def test_conversation_buttons_mark_read_archive_and_mute(
    stack: Stack, inbox: ConversationService, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    choices = await stack.emulator.autocomplete(
        w.member, "conversation", focused="participant", value="fan_0"
    )
    assert len(choices) == 10 and choices[0]["name"].startswith("@fan_")
    fan5 = next(c for c in choices if c["name"].startswith("@fan_05"))
    shown = await stack.reply(w.member, "conversation", participant=fan5["value"])
    assert "hello from fan 5" in shown.embeds[0]["description"]
    cid = int(fan5["value"])
    assert f"cb:conv:{cid}:read" in shown.custom_ids

    read = await (await stack.emulator.press(w.member, shown, f"cb:conv:{cid}:read")).final()
    assert "all read" in read.embeds[0]["footer"]["text"]
    archived = await (await stack.emulator.press(w.member, read, f"cb:conv:{cid}:archive")).final()
    assert f"cb:conv:{cid}:unarchive" in archived.custom_ids
    muted = await (await stack.emulator.press(w.member, archived, f"cb:conv:{cid}:mute")).final()
    assert "muted" in muted.embeds[0]["footer"]["text"]
    row = await clean_db.fetchrow(
        "SELECT unread_count, is_archived, is_muted FROM social_media_conversations WHERE id = $1", cid
    )
    assert (row["unread_count"], row["is_archived"], row["is_muted"]) == (0, True, True)
    stack.emulator.assert_no_violations()


async def test_conversation_by_typed_name_and_unknown_participant(
    stack: Stack, inbox: ConversationService
) -> None:
    w = stack.world
    typed = await stack.reply(w.member, "conversation", participant="@fan_07")
    assert "fan_07" in typed.embeds[0]["title"]
    for unknown in ("nobody_here", "999999"):
        final = await stack.reply(w.member, "conversation", participant=unknown)
        assert final.ephemeral and "No conversation with" in final.content
