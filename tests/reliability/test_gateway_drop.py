"""The gateway dropped under the bot: it resumes the session and misses no command sent around the drop."""

from __future__ import annotations

import asyncpg

from bot.sandbox.discord import Interaction
from tests.conftest import MakeStack


async def test_commands_before_during_and_after_a_dropped_gateway_are_all_answered(
    make_stack: MakeStack, clean_db: asyncpg.Pool, dsn: str
) -> None:
    stack = await make_stack(dsn=dsn)
    emu, w = stack.emulator, stack.world
    identifies = emu.identify_count
    sent: list[Interaction] = []

    async def burst() -> None:
        for command in ("tracked", "usage", "limits show"):
            sent.append(await emu.invoke(w.member, command, channel=w.channel))

    await burst()  # before: possibly still being answered when the socket closes
    await emu.drop_gateway(code=4000)
    await burst()  # during: sent while no socket is attached; RESUME replays them
    await emu.wait_until(lambda: emu.resume_count or None, timeout=30, what="the bot to resume")
    await burst()  # after
    for interaction in sent:
        final = await interaction.final(timeout=30)
        assert final.content or final.embeds, interaction
    assert emu.identify_count == identifies  # resumed the session, not a new one
    assert all(len(i.callbacks) == 1 for i in sent)  # each answered once, none twice after the replay
    assert [v for v in emu.violations if v.kind != "late-callback"] == []
