"""/analytics, /top, /besttime and /export: thin adapters over the tracking, analytics and what-works
services."""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import CHART_FILENAME, growth_chart_png
from bot.charts.besttime import besttime_png
from bot.discord.checks import guild_id_of
from bot.errors import InvalidInput
from bot.render.posts import POST_OR_ACCOUNT, analytics_embed, export_message, top_embed
from bot.render.what_works import BESTTIME_FILENAME, besttime_embed, ranking_embed
from cogs._ui import ServiceCog, TrackedPost, send_with_chart, to_embed
from cogs._watch_ui import WatchedAccount, send_account_analytics

Metric = Literal["views", "likes", "comments", "shares"]
Period = Literal["24h", "7d", "30d"]
RankBy = Literal["posts", "hashtags", "sounds"]


class Analytics(ServiceCog):
    """A post's numbers and chart, the guild's fastest growers, CSV export."""

    @app_commands.command(name="analytics", description="A tracked post's numbers, growth, history and chart")
    @app_commands.describe(
        post="The tracked post (type to search)",
        chart="Attach a chart (default: yes)",
        account="Instead of a post: an account's followers, hearts and videos over time",
    )
    async def analytics(
        self,
        interaction: discord.Interaction,
        post: TrackedPost | None = None,
        chart: bool = True,
        account: WatchedAccount | None = None,
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

    @app_commands.command(name="top", description="This server's posts that grew the most, or what works")
    @app_commands.describe(
        metric="What to rank by (default: views)",
        period="Posts: growth over the last 24 hours (default), 7 or 30 days; hashtags and sounds: posts "
        "published within it (default: all)",
        by="Posts (default), or hashtags or sounds by the median of their posts' figure at 24 hours",
    )
    async def top(
        self,
        interaction: discord.Interaction,
        metric: Metric = "views",
        period: Period | None = None,
        by: RankBy = "posts",
    ) -> None:
        guild_id = guild_id_of(interaction)
        # Ranking reads across the guild's posts: acknowledge first, whatever the guild's size.
        await interaction.response.defer(thinking=True)
        if by == "posts":
            result = await self.services.analytics.top(guild_id, metric, period)
            await interaction.followup.send(embed=to_embed(top_embed(result)))
        else:
            ranking = await self.services.what_works.ranking(guild_id, by, metric=metric, period=period)
            await interaction.followup.send(embed=to_embed(ranking_embed(ranking)))

    @app_commands.command(
        name="besttime", description="When to post: 24-hour views by publishing day and hour"
    )
    @app_commands.describe(account="Only this tracked account's posts (default: every tracked post)")
    async def besttime(
        self, interaction: discord.Interaction, account: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        # An unknown account is refused before any answer, so its error stays ephemeral.
        result = await self.services.what_works.best_time(guild_id, account)
        # The best slots go out at once; the heatmap follows as an edit.
        await send_with_chart(
            interaction, result, besttime_embed, besttime_png if result.enough else None, BESTTIME_FILENAME
        )

    @app_commands.command(name="export", description="A tracked post's snapshots as a CSV file")
    @app_commands.describe(post="The tracked post (type to search)")
    async def export(self, interaction: discord.Interaction, post: TrackedPost) -> None:
        export = await self.services.analytics.export_csv(guild_id_of(interaction), post)
        await interaction.response.send_message(
            export_message(export.rows, post),
            file=discord.File(io.BytesIO(export.data), filename=export.filename),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Analytics(bot))
