"""Discord's enforce_nonce in the emulator and through DiscordSender: a repeated send shows one message."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import discord
import pytest

from bot.discord.endpoints import point_discord_at, restore_discord_endpoints
from bot.discord.sender import DiscordSender
from bot.sandbox.discord import Channel, DiscordEmulator
from tests.reliability.helpers import TOKEN

EMBED = {"title": "check-back", "description": "views 1,000"}


@pytest.fixture
async def sender() -> AsyncIterator[tuple[DiscordEmulator, Channel, DiscordSender]]:
    emu = DiscordEmulator()
    await emu.start()
    emu.add_bot(TOKEN)
    channel = emu.add_guild("Team").add_channel("checkbacks")
    await point_discord_at(emu.base_url)
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    try:
        yield emu, channel, DiscordSender(client)
    finally:
        await client.close()
        await emu.stop()
        restore_discord_endpoints()


async def test_a_send_repeated_with_its_nonce_is_answered_with_the_first_message(
    sender: tuple[DiscordEmulator, Channel, DiscordSender],
) -> None:
    emu, channel, discord_sender = sender
    first = await discord_sender.send(channel.id, [EMBED], nonce="ob42")
    again = await discord_sender.send(channel.id, [EMBED], nonce="ob42")
    assert again == first
    assert len(emu.sent_messages(channel)) == 1 and emu.nonce_repeats == 1


async def test_other_nonces_and_sends_without_one_are_separate_messages(
    sender: tuple[DiscordEmulator, Channel, DiscordSender],
) -> None:
    emu, channel, discord_sender = sender
    ids = {
        await discord_sender.send(channel.id, [EMBED], nonce="ob1"),
        await discord_sender.send(channel.id, [EMBED], nonce="ob2"),
        await discord_sender.send(channel.id, [EMBED]),  # discord.py picks a random nonce
        await discord_sender.send(channel.id, [EMBED]),
    }
    assert len(ids) == 4 and len(emu.sent_messages(channel)) == 4


async def test_a_nonce_is_forgotten_after_the_window(
    sender: tuple[DiscordEmulator, Channel, DiscordSender],
) -> None:
    emu, channel, discord_sender = sender
    emu.nonce_window = 0.0  # Discord keeps nonces a few minutes, not for ever
    await discord_sender.send(channel.id, [EMBED], nonce="ob7")
    await discord_sender.send(channel.id, [EMBED], nonce="ob7")
    assert len(emu.sent_messages(channel)) == 2


async def test_a_sent_batch_is_found_in_the_channel_after_the_nonce_window(
    sender: tuple[DiscordEmulator, Channel, DiscordSender],
) -> None:
    emu, channel, discord_sender = sender
    first = await discord_sender.send(channel.id, [EMBED], nonce="ob9")
    emu.nonce_clock = lambda: time.monotonic() + emu.nonce_window + 1  # Discord has forgotten the nonce
    assert await discord_sender.find_sent(channel.id, [EMBED]) == first
    assert await discord_sender.find_sent(channel.id, [{**EMBED, "description": "views 2,000"}]) is None
