"""The Discord bot: a discord.py Bot that opens Checkback's resources in setup_hook and loads every cog."""

from __future__ import annotations

import logging
import pkgutil
from typing import Any

import discord
from discord.ext import commands

import cogs
from bot.clock import Clock
from bot.config import Settings
from bot.discord.sender import DiscordSender
from bot.discord.tree import CheckbackTree
from bot.ops.memory import freeze_startup_objects
from bot.render.notices import notice_components, render_notice
from bot.runtime import Runtime
from bot.services import Services, build_services
from bot.team_scope import TeamScope

log = logging.getLogger(__name__)


def cog_modules() -> list[str]:
    """Every cog module under cogs/ (private helpers start with an underscore)."""
    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_"))


class CheckbackBot(commands.AutoShardedBot):
    """Checkback in Discord. Resources open in setup_hook (once), never in on_ready (every reconnect).

    Auto-sharded: the shard count is what Discord's GET /gateway/bot asks for (1 for most bots), and
    every shard of this one process answers the commands of its guilds.

    `runtime` may be given ready-made (tests, sandbox); otherwise setup_hook opens one from `settings`,
    migrating first. `run_jobs` starts the check-back scheduler and the notification dispatcher.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        runtime: Runtime | None = None,
        clock: Clock | None = None,
        run_jobs: bool = True,
        service_options: dict[str, Any] | None = None,
        scheduler_options: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=CheckbackTree,
            help_command=None,
            # Nobody is pinged unless a message names whom (see README "Mentions"): user text echoed in
            # a reply (a template named @everyone, an account called everyone) must never ping.
            allowed_mentions=discord.AllowedMentions.none(),
            # No message cache: nothing reads it, and 1,000 sent notifications with their embeds were
            # ~10 MB of resident memory (discord.py's default keeps the last 1,000 messages).
            **{"max_messages": None, **options},
        )
        self.settings = settings
        self.team_scope = TeamScope(settings.team_guilds)
        self.runtime = runtime
        self._owns_runtime = runtime is None
        self._clock = clock
        self.run_jobs = run_jobs
        self.service_options = service_options or {}
        self.scheduler_options = scheduler_options or {}
        self.services: Services

    async def launch_shards(self) -> None:
        # discord.py connects shards to the URL GET /gateway/bot gives with the count; DISCORD_GATEWAY_URL,
        # where set, still decides where they connect (it is DEFAULT_GATEWAY, used when the count is known).
        if self.shard_count is None and self.settings.discord_gateway_url:
            self.shard_count, _, _ = await self.http.get_bot_gateway()
        await super().launch_shards()

    async def setup_hook(self) -> None:
        if self.runtime is None:
            self.runtime = await Runtime.open(self.settings, clock=self._clock)
        runtime = self.runtime
        self.services = await build_services(
            runtime,
            sender=DiscordSender(self),
            render=render_notice,
            buttons=notice_components,
            **self.service_options,
        )
        for module in cog_modules():
            await self.load_extension(module)
        await self.sync_commands()
        if self.run_jobs:
            self.services.start_scheduler(**self.scheduler_options)
        log.info("Checkback is set up: %d cogs, jobs %s", len(self.cogs), "on" if self.run_jobs else "off")
        freeze_startup_objects()

    async def sync_commands(self) -> None:
        """Sync to DISCORD_DEV_GUILD_ID when set (instant), else globally (Discord may take a while)."""
        guild_id = self.settings.discord_dev_guild_id
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d slash commands (%s)", len(synced), f"guild {guild_id}" if guild_id else "global")

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))
        self.team_scope.log_start([g.id for g in self.guilds])

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Added to a server TEAM_GUILD_IDS does not name: leave it (see README, "Public Bot")."""
        if self.team_scope.should_leave(guild.id):
            log.warning("added to server %s (%s), not in TEAM_GUILD_IDS: leaving it", guild.id, guild.name)
            await guild.leave()

    async def close(self) -> None:
        # Stop taking work first (scheduler, dispatcher), then let discord.py close the gateway and
        # HTTP session, then release the database.
        services = getattr(self, "services", None)
        if services is not None:
            await services.close()
        await super().close()
        if self._owns_runtime and self.runtime is not None:
            await self.runtime.close()
            self.runtime = None
