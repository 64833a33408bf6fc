"""Everything Checkback needs, running locally: metrics simulator, Discord emulator, database, the real bot.

One implementation serves the end-to-end tests, the benchmarks and `python -m bot sandbox`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord

from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings, load_settings
from bot.discord.app import CheckbackBot
from bot.discord.endpoints import EMULATOR_CLIENT_OPTIONS, point_discord_at, skip_identify_delay
from bot.runtime import Runtime
from bot.sandbox.discord import BotAccount, Channel, DiscordEmulator, Guild, Member, Message, Role
from bot.sandbox.metrics import MetricsSimulator

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "sandbox-bot-token"


@dataclass
class World:
    """The sandbox's Discord: one server with a notification channel, an admin and a plain member."""

    bot: BotAccount
    guild: Guild
    channel: Channel
    admin: Member
    member: Member


class Stack:
    """Starts and stops the local world around one real CheckbackBot.

    `dsn` is the database to use (None: the settings' DATABASE_URL or the embedded Postgres).
    `client_options` go to the metrics client (tests use small backoffs).
    """

    def __init__(
        self,
        *,
        dsn: str | None = None,
        clock: Clock | None = None,
        run_jobs: bool = True,
        simulator: MetricsSimulator | None = None,
        settings: dict[str, Any] | None = None,
        client_options: dict[str, Any] | None = None,
        scheduler_options: dict[str, Any] | None = None,
    ) -> None:
        self.dsn = dsn
        self.clock: Clock = clock or SystemClock()
        self.run_jobs = run_jobs
        self.simulator = simulator or MetricsSimulator(clock=self.clock)
        self.emulator = DiscordEmulator()
        self.setting_overrides = settings or {}
        self.client_options = client_options or {}
        self.scheduler_options = scheduler_options or {}
        # Role ids a test configured the bot to ping: make_stack (tests/conftest.py) fails it on any other.
        self.expected_pings: set[int] = set()
        self.world: World
        self.settings: Settings
        self.runtime: Runtime
        self.bot: CheckbackBot
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> Stack:
        sim_url = await self.simulator.start()
        discord_url = await self.emulator.start()
        account = self.emulator.add_bot(SANDBOX_TOKEN, "Checkback")
        guild = self.emulator.add_guild("Sandbox team")
        channel = guild.add_channel("checkbacks")
        self.world = World(
            bot=account,
            guild=guild,
            channel=channel,
            admin=guild.add_member("admin", admin=True),
            member=guild.add_member("member"),
        )
        overrides: dict[str, Any] = {
            "metrics_api_base_url": sim_url,
            "tiktok_short_link_base_url": f"{sim_url}/shortlinks",
            "discord_api_base_url": discord_url,
            "metrics_api_rate": 50.0,
            "notify_channel_id": channel.id,
        }
        overrides.update(self.setting_overrides)
        self.settings = load_settings(**overrides)
        await point_discord_at(discord_url)
        self.runtime = await Runtime.open(self.settings, clock=self.clock, dsn=self.dsn)
        await self._start_bot()
        return self

    async def _start_bot(self) -> None:
        self.bot = CheckbackBot(
            self.settings,
            runtime=self.runtime,
            run_jobs=self.run_jobs,
            service_options=self.client_options,
            scheduler_options=self.scheduler_options,
            **EMULATOR_CLIENT_OPTIONS,
        )
        skip_identify_delay(self.bot)
        self._task = asyncio.create_task(self.bot.start(SANDBOX_TOKEN), name="checkback-bot")
        ready = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()
        if ready not in done:
            ready.cancel()
            raise TimeoutError("the bot did not become ready against the emulator")
        await self.emulator.wait_for_commands()

    async def restart_bot(self, *, down_for: timedelta | None = None) -> None:
        """Stops the bot process's part (gateway, services, jobs) and starts a new bot on the same database,
        Discord and API: what a restart of `python -m bot run` does, with the world kept. `down_for`: the
        (manual) clock moves that far while the bot is down, as over a night's outage."""
        await self._stop_bot()
        if down_for is not None:
            if not isinstance(self.clock, ManualClock):
                raise TypeError("down_for needs a ManualClock")
            self.clock.advance(down_for)
        await self._start_bot()

    async def _stop_bot(self) -> None:
        if self._task is not None:
            await self.bot.close()
            with contextlib.suppress(asyncio.CancelledError, discord.DiscordException, TimeoutError):
                await asyncio.wait_for(self._task, 10)
            self._task = None

    def expect_pings(self, *roles: Role) -> None:
        """Declare that the bot may ping these roles (a test that configured them); every other ping still
        fails the test."""
        self.expected_pings.update(role.id for role in roles)

    async def reply(self, member: Member, command: str, **options: Any) -> Message:
        """`command` (with its options) typed by `member` in the sandbox channel; the bot's final answer
        (within 10 s)."""
        interaction = await self.emulator.invoke(member, command, channel=self.world.channel, options=options)
        return await interaction.final(timeout=10.0)

    async def stop(self) -> None:
        await self._stop_bot()
        if hasattr(self, "runtime"):
            await self.runtime.close()
        await self.emulator.stop()
        await self.simulator.stop()

    async def __aenter__(self) -> Stack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
