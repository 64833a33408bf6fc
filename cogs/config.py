"""/config channel|schedule|admin-role|timezone|alerts|digest|show (admins) and /usage: thin adapters over the
settings services."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import USAGE_CHART, usage_chart_png
from bot.digest import EVERY
from bot.discord.checks import admin_only, guild_id_of, team_only
from bot.guild_config import GuildConfigService
from bot.render.alerts import with_alert_routes
from bot.render.config import (
    admin_role_set_message,
    channel_set_message,
    config_embed,
    schedule_set_message,
    timezone_set_message,
    usage_embed,
)
from bot.render.digest import digest_off_message, digest_set_message, with_digest
from bot.timezones import matching_zones
from cogs._alerts_ui import DIGEST_NEEDS, KIND_CHOICES, require_postable, route_alerts
from cogs._ui import ServiceCog, to_embed


async def zone_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """IANA zone names containing what was typed; the common ones first when nothing is."""
    return [app_commands.Choice(name=name, value=name) for name in matching_zones(current)]


EVERY_CHOICES = [app_commands.Choice(name=every, value=every) for every in EVERY]


class Config(ServiceCog):
    """Per-server settings and the metrics API's usage."""

    # Every /config subcommand is for admins (Manage Server, or the role /config admin-role sets).
    config = admin_only()(
        app_commands.Group(name="config", description="Checkback's settings for this server (admins)")
    )

    @property
    def guild_config(self) -> GuildConfigService:
        return self.services.guild_config

    @config.command(name="channel", description="Where check-back updates and alerts are posted")
    @app_commands.describe(channel="A text channel the bot can post in")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self.guild_config.set_channel(guild_id_of(interaction), channel.id)
        await interaction.response.send_message(channel_set_message(channel.mention))

    @config.command(name="schedule", description="Check-back offsets after publishing, e.g. 1h,6h,1d,7d")
    @app_commands.describe(offsets="Ascending, positive, at most 20, within 90 days: 1h,6h,12h,1d,2d,7d,30d")
    async def schedule(
        self, interaction: discord.Interaction, offsets: app_commands.Range[str, 1, 300]
    ) -> None:
        stored = await self.guild_config.set_schedule(guild_id_of(interaction), offsets)
        await interaction.response.send_message(schedule_set_message(stored))

    @config.command(name="admin-role", description="A role whose members may use admin commands")
    @app_commands.describe(role="The role (members with Manage Server are always admins)")
    async def admin_role(self, interaction: discord.Interaction, role: discord.Role) -> None:
        await self.guild_config.set_admin_role(guild_id_of(interaction), role.id)
        await interaction.response.send_message(
            admin_role_set_message(role.mention),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @config.command(name="timezone", description="This server's time zone, for digests and times of day")
    @app_commands.describe(zone="An IANA name such as Europe/Berlin or America/New_York (UTC by default)")
    @app_commands.autocomplete(zone=zone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        stored = await self.guild_config.set_timezone(guild_id_of(interaction), zone)
        await interaction.response.send_message(timezone_set_message(stored.key))

    @config.command(
        name="alerts", description="Send one kind of alert to a channel of its own, pinging a role"
    )
    @app_commands.describe(
        kind="Which alerts",
        channel="Where they go (default: the notification channel)",
        ping="A role to ping with them (default: nobody)",
        reset="True: clear the route (the notification channel again, no ping)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def alerts(
        self,
        interaction: discord.Interaction,
        kind: app_commands.Choice[str],
        channel: discord.TextChannel | None = None,
        ping: discord.Role | None = None,
        reset: bool = False,
    ) -> None:
        await route_alerts(self.services.alerts, interaction, kind.value, channel, ping, reset)

    @config.command(name="digest", description="A digest of the day or the week, posted at a time of day")
    @app_commands.describe(
        channel="Where the digest goes (the bot needs to post and attach files there)",
        every="daily, or weekly (on Mondays)",
        at="The time of day, HH:MM (24-hour), in this server's time zone (/config timezone)",
        off="True: stop the digest",
    )
    @app_commands.choices(every=EVERY_CHOICES)
    async def digest(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        every: app_commands.Choice[str] | None = None,
        at: app_commands.Range[str, 1, 10] | None = None,
        off: bool = False,
    ) -> None:
        require_postable(channel, DIGEST_NEEDS)
        done = await self.services.digests.configure(
            guild_id_of(interaction),
            channel_id=channel.id if channel else None,
            every=every.value if every else None,
            at=at,
            off=off,
        )
        reply = digest_off_message(done) if isinstance(done, bool) else digest_set_message(done)
        await interaction.response.send_message(reply)

    @config.command(name="show", description="This server's Checkback settings")
    async def show(self, interaction: discord.Interaction) -> None:
        view = await self.guild_config.show(guild_id_of(interaction))
        routes = await self.services.alerts.routes(guild_id_of(interaction))
        digest = await self.services.digests.view(guild_id_of(interaction))
        embed = with_digest(with_alert_routes(config_embed(view), routes), digest)
        await interaction.response.send_message(embed=to_embed(embed))

    @team_only()
    @app_commands.command(
        name="usage", description="Metrics API calls today and this month, against the budget"
    )
    async def usage(self, interaction: discord.Interaction) -> None:
        report = await self.services.usage.report()
        await interaction.response.send_message(embed=to_embed(usage_embed(report)))
        if report.plan is not None:
            # The chart follows as an edit, so the answer never waits for matplotlib.
            png = await usage_chart_png(report.plan.daily, report.month, report.monthly_budget)
            await interaction.edit_original_response(
                embed=to_embed(usage_embed(report, chart=True)),
                attachments=[discord.File(io.BytesIO(png), filename=USAGE_CHART)],
            )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Config(bot))
