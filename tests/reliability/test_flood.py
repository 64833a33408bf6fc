"""A flood of commands: 200 in 10 s from 20 members, every one answered within Discord's deadline."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.sandbox.discord import Interaction
from tests.conftest import MakeStack

COMMANDS = ("tracked", "usage", "limits show", "actions recent", "conversations", "templates list")


async def test_200_commands_in_10_seconds_from_20_members_are_all_answered(
    make_stack: MakeStack, clean_db: asyncpg.Pool, dsn: str
) -> None:
    stack = await make_stack(dsn=dsn)
    emu, w = stack.emulator, stack.world
    members = [w.guild.add_member(f"member{n}") for n in range(20)]
    sent: list[Interaction] = []
    for n in range(200):
        member = members[n % len(members)]
        sent.append(await emu.invoke(member, COMMANDS[n % len(COMMANDS)], channel=w.channel))
        await asyncio.sleep(0.05)  # 20 a second, as a busy team would type them
    finals = [await i.final(timeout=60) for i in sent]
    assert all(f.content or f.embeds for f in finals)
    assert not any("Reference: `" in f.content for f in finals)  # no unexpected error among them
    # No late first callback (Discord drops the interaction after 3 s), no double answer, nothing invalid.
    emu.assert_no_violations()
