"""/compare: two tracked posts side by side, aligned by age; a thin adapter over bot/compare.py."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts.compare import COMPARE_CHART, compare_chart_png
from bot.discord.checks import guild_id_of
from bot.render.compare import compare_embed
from cogs._ui import ServiceCog, post_autocomplete, to_embed


class Compare(ServiceCog):
    """Two posts' views by age on one chart, their check-backs side by side."""

    @app_commands.command(name="compare", description="Two tracked posts side by side, aligned by age")
    @app_commands.describe(
        post="The first tracked post (type to search)",
        with_="The post to compare it with (type to search)",
        chart="Attach the chart of both posts' views by age (default: yes)",
    )
    @app_commands.rename(with_="with")
    @app_commands.autocomplete(post=post_autocomplete, with_=post_autocomplete)
    @app_commands.guild_only()
    async def compare(
        self,
        interaction: discord.Interaction,
        post: app_commands.Range[int, 1],
        with_: app_commands.Range[int, 1],
        chart: bool = True,
    ) -> None:
        result = await self.services.compare.compare(guild_id_of(interaction), post, with_)
        # The figures at once; the chart follows as an edit, as /analytics does.
        await interaction.response.send_message(embed=to_embed(compare_embed(result)))
        if chart and (result.a.aged or result.b.aged):
            png = await compare_chart_png(result)
            await interaction.edit_original_response(
                embed=to_embed(compare_embed(result, chart=True)),
                attachments=[discord.File(io.BytesIO(png), filename=COMPARE_CHART)],
            )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Compare(bot))
