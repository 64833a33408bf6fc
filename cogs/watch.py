"""/watch add|remove|list: thin adapters over the watch service (admins add and remove; anyone lists)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.alert_routes import check_ping_role
from bot.discord.checks import admin_only, guild_id_of
from bot.render.alerts import watch_ping_message
from bot.render.watch import watch_added_embed, watch_list_embed, watch_removed_embed
from bot.watches import WatchService, normalise_username
from cogs._ui import ServiceCog, to_embed
from cogs._watch_ui import WatchedAccount


class Watch(ServiceCog):
    """Accounts whose every new post is tracked and announced."""

    watch = app_commands.Group(
        name="watch",
        description="Accounts whose new posts are tracked and announced",
    )

    @property
    def watches(self) -> WatchService:
        return self.services.watches

    @admin_only()
    @watch.command(name="add", description="Track and announce every new post of a TikTok account (admins)")
    @app_commands.describe(
        account="The TikTok username, e.g. @maker_jo",
        channel="Where its new posts are announced (default: the server's notification channel)",
        ping="A role to ping with its new posts (default: nobody)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        account: app_commands.Range[str, 1, 40],
        channel: discord.TextChannel | None = None,
        ping: discord.Role | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        # A malformed name or @everyone is refused before deferring, so its error can still be ephemeral.
        name = normalise_username(account)
        check_ping_role(guild_id, ping.id if ping else None)
        await interaction.response.defer(thinking=True)
        result = await self.watches.add(
            guild_id,
            account,
            channel_id=channel.id if channel else None,
            user_id=interaction.user.id,
            ping_role_id=ping.id if ping else None,
        )
        await interaction.followup.send(
            watch_ping_message(name, ping.id) if ping else discord.utils.MISSING,
            embed=to_embed(watch_added_embed(result)),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @admin_only()
    @watch.command(name="remove", description="Stop announcing an account's new posts here (admins)")
    @app_commands.describe(account="A watched account (type to search)")
    async def remove(self, interaction: discord.Interaction, account: WatchedAccount) -> None:
        result = await self.watches.remove(guild_id_of(interaction), account)
        await interaction.response.send_message(embed=to_embed(watch_removed_embed(result)))

    @watch.command(name="list", description="The accounts this server watches")
    async def list_(self, interaction: discord.Interaction) -> None:
        items = await self.watches.list_watches(guild_id_of(interaction))
        await interaction.response.send_message(embed=to_embed(watch_list_embed(items)))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Watch(bot))
