"""/analytics, /top and /export: thin adapters over the tracking and analytics services."""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import CHART_FILENAME, growth_chart_png
from bot.discord.checks import guild_id_of
from bot.errors import InvalidInput
from bot.render.posts import POST_OR_ACCOUNT, analytics_embed, export_message, top_embed
from cogs._ui import ServiceCog, post_autocomplete, send_with_chart, to_embed
from cogs._watch_ui import send_account_analytics, watched_autocomplete

Metric = Literal["views", "likes", "comments", "shares"]
Period = Literal["24h", "7d", "30d"]


class Analytics(ServiceCog):
    """A post's numbers and chart, the guild's fastest growers, CSV export."""

    @app_commands.command(name="analytics", description="A tracked post's numbers, growth, history and chart")
    @app_commands.describe(
        post="The tracked post (type to search)",
        chart="Attach a chart (default: yes)",
        account="Instead of a post: an account's followers, hearts and videos over time",
    )
    @app_commands.autocomplete(post=post_autocomplete)
    @app_commands.autocomplete(account=watched_autocomplete)
    @app_commands.guild_only()
    async def analytics(
        self,
        interaction: discord.Interaction,
        post: app_commands.Range[int, 1] | None = None,
        chart: bool = True,
        account: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if account is not None:
            await send_account_analytics(interaction, account, chart=chart)
            return
        if post is None:
            raise InvalidInput(POST_OR_ACCOUNT)
        result = await self.services.tracking.analytics(guild_id_of(interaction), post)
        await send_with_chart(
            interaction,
            result,
            analytics_embed,
            growth_chart_png if chart and result.snapshots else None,
            CHART_FILENAME,
        )

    @app_commands.command(name="top", description="This server's posts that grew the most")
    @app_commands.describe(metric="What to rank by", period="Over the last 24 hours, 7 days or 30 days")
    @app_commands.guild_only()
    async def top(self, interaction: discord.Interaction, metric: Metric, period: Period) -> None:
        guild_id = guild_id_of(interaction)
        # Ranking reads every snapshot of the period: acknowledge first, whatever the guild's size.
        await interaction.response.defer(thinking=True)
        result = await self.services.analytics.top(guild_id, metric, period)
        await interaction.followup.send(embed=to_embed(top_embed(result)))

    @app_commands.command(name="export", description="A tracked post's snapshots as a CSV file")
    @app_commands.describe(post="The tracked post (type to search)")
    @app_commands.autocomplete(post=post_autocomplete)
    @app_commands.guild_only()
    async def export(self, interaction: discord.Interaction, post: app_commands.Range[int, 1]) -> None:
        export = await self.services.analytics.export_csv(guild_id_of(interaction), post)
        await interaction.response.send_message(
            export_message(export.rows, post),
            file=discord.File(io.BytesIO(export.data), filename=export.filename),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Analytics(bot))
