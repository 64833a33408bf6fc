"""Large bots: when Discord asks for shards (GET /gateway/bot), the gateway runs one per shard and each
answers the commands of its own guilds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.clock import ManualClock
from bot.discord.endpoints import restore_discord_endpoints
from bot.discord.process import gateway_state
from bot.sandbox.discord import DiscordEmulator, Guild
from bot.sandbox.stack import Stack


@pytest.fixture
async def sharded(clean_db: asyncpg.Pool, dsn: str, clock: ManualClock) -> AsyncIterator[Stack]:
    stack = Stack(dsn=dsn, clock=clock, run_jobs=False)
    stack.emulator.shard_count = 2  # what GET /gateway/bot will answer
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()
        restore_discord_endpoints()


def _shard(guild: Guild) -> int:
    return (guild.id >> 22) % 2


async def test_two_shards_identify_and_answer_commands_in_the_guilds_of_each(sharded: Stack) -> None:
    emu = sharded.emulator
    await emu.wait_until(
        lambda: len([s for s in emu.live_sessions() if s.ready]) == 2 or None, 30, "both shards ready"
    )
    shards = sorted(s.shard for s in emu.live_sessions() if s.shard is not None)
    assert shards == [(0, 2), (1, 2)]
    assert emu.identify_count == 2

    # Guilds until each shard has one (a guild's shard is (id >> 22) % 2; ids carry the creation time).
    guilds = {_shard(sharded.world.guild): sharded.world.guild}
    while len(guilds) < 2:
        guild = emu.add_guild(f"Team {len(emu.guilds)}")
        guild.add_channel("checkbacks")
        guilds.setdefault(_shard(guild), guild)
    for shard, guild in sorted(guilds.items()):
        await emu.wait_until(lambda g=guild: sharded.bot.get_guild(g.id), 10, f"guild of shard {shard}")
        member = guild.add_member(f"member{shard}")
        session = next(s for s in emu.live_sessions() if s.shard == (shard, 2))
        before = session.seq
        reply = await (await emu.invoke(member, "tracked", channel=guild.text_channels[0])).final(timeout=15)
        assert reply.embeds or reply.content, shard
        assert session.seq > before  # the command went to this shard's session, and it answered
        assert sharded.bot.get_guild(guild.id).shard_id == shard  # type: ignore[union-attr]
    assert gateway_state(sharded.bot)() == {0: True, 1: True}
    emu.assert_no_violations()


async def test_an_identify_without_a_shard_is_refused_when_discord_asks_for_shards() -> None:
    import discord

    from bot.discord.endpoints import point_discord_at

    emu = DiscordEmulator()
    emu.shard_count = 2
    await emu.start()
    emu.add_bot("plain-client", "Plain")
    try:
        await point_discord_at(emu.base_url)
        client = discord.Client(intents=discord.Intents.none())  # not sharded: no "shard" in IDENTIFY
        with pytest.raises(discord.ConnectionClosed) as closed:
            await client.start("plain-client", reconnect=False)
        assert closed.value.code == 4011
        assert ("IDENTIFY-REJECTED", "sharding required") in emu.gateway_log
    finally:
        await emu.stop()
        restore_discord_endpoints()
