"""/compare: two tracked posts side by side, aligned by age; a thin adapter over bot/compare.py."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts.compare import COMPARE_CHART, compare_chart_png
from bot.discord.checks import guild_id_of
from bot.render.compare import compare_embed
from cogs._ui import ServiceCog, TrackedPost, send_with_chart


class Compare(ServiceCog):
    """Two posts' views by age on one chart, their check-backs side by side."""

    @app_commands.command(name="compare", description="Two tracked posts side by side, aligned by age")
    @app_commands.describe(
        post="The first tracked post (type to search)",
        with_="The post to compare it with (type to search)",
        chart="Attach the chart of both posts' views by age (default: yes)",
    )
    @app_commands.rename(with_="with")
    async def compare(
        self,
        interaction: discord.Interaction,
        post: TrackedPost,
        with_: TrackedPost,
        chart: bool = True,
    ) -> None:
        result = await self.services.compare.compare(guild_id_of(interaction), post, with_)
        drawn = chart and (result.a.aged or result.b.aged)
        await send_with_chart(
            interaction, result, compare_embed, compare_chart_png if drawn else None, COMPARE_CHART
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Compare(bot))
