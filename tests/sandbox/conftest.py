"""Fixtures for driving a real discord.py client against the Discord emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord.endpoints import EMULATOR_CLIENT_OPTIONS, point_discord_at, restore_discord_endpoints
from bot.discord.endpoints import skip_identify_delay as _skip_identify_delay
from bot.sandbox.discord import BotAccount, Channel, DiscordEmulator, Guild, Member

BOT_TOKEN = "emulator-test-token"


@dataclass
class World:
    """A guild with a bot, two text channels, a plain member and an admin."""

    bot: BotAccount
    guild: Guild
    general: Channel
    alerts: Channel
    alice: Member
    admin: Member


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    emu = DiscordEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
        restore_discord_endpoints()


@pytest.fixture
def world(emulator: DiscordEmulator) -> World:
    bot = emulator.add_bot(BOT_TOKEN, "Checkback")
    guild = emulator.add_guild("Social team")
    return World(
        bot=bot,
        guild=guild,
        general=guild.add_channel("general"),
        alerts=guild.add_channel("alerts"),
        alice=guild.add_member("alice"),
        admin=guild.add_member("boss", admin=True),
    )


@contextlib.asynccontextmanager
async def running(
    client: discord.Client, emu: DiscordEmulator, token: str = BOT_TOKEN, *, skip_identify_delay: bool = True
) -> AsyncIterator[discord.Client]:
    """Start `client` against `emu`, wait until it is ready, and close it afterwards.

    This is the incantation end-to-end tests use: point discord.py at the emulator, build the client
    with EMULATOR_CLIENT_OPTIONS, optionally skip the 5 s re-IDENTIFY wait, start, wait for ready.
    """
    await point_discord_at(emu.base_url)
    if skip_identify_delay:
        _skip_identify_delay(client)
    task = asyncio.create_task(client.start(token))
    try:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # re-raise why the client stopped
        if ready not in done:
            ready.cancel()
            raise TimeoutError("the client did not become ready")
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, discord.DiscordException):
            await asyncio.wait_for(task, 5)


def client_options() -> dict[str, object]:
    return {"intents": discord.Intents.default(), **EMULATOR_CLIENT_OPTIONS}


@pytest.fixture
def run_bot():  # noqa: ANN201 - returns the `running` context manager factory
    """`async with run_bot(client, emulator): ...` runs a client for the duration of the block."""
    return running


class CommandBot(commands.Bot):
    """A real discord.py bot with the given slash commands, synced globally when it starts."""

    def __init__(self, *slash: app_commands.Command[Any, ..., Any], **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            **EMULATOR_CLIENT_OPTIONS,
            **options,
        )
        self.slash = slash

    async def setup_hook(self) -> None:
        for command in self.slash:
            self.tree.add_command(command)
        await self.tree.sync()


@contextlib.asynccontextmanager
async def serving(bot: CommandBot, emu: DiscordEmulator) -> AsyncIterator[CommandBot]:
    """`bot` running against `emu` with its commands registered, for the block."""
    async with running(bot, emu):
        await emu.wait_for_commands()
        yield bot
