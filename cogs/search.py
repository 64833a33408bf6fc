"""/search users|videos|hashtags: thin adapters over the search service (results are stored as found)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.render.posts import hashtags_embed, users_embed, videos_embed
from bot.search import check_keywords
from cogs._ui import ServiceCog, to_embed

Query = app_commands.Range[str, 1, 100]
RESULTS = 10


class Search(ServiceCog):
    """TikTok search through the metrics API."""

    search = app_commands.Group(name="search", description="Search TikTok")

    # Each search calls the API (maybe several pages): acknowledge first, answer in the follow-up.
    @staticmethod
    async def _answer(
        interaction: discord.Interaction,
        query: str,
        find: Callable[..., Awaitable[Any]],
        embed: Callable[[str, Any], Mapping[str, Any]],
    ) -> None:
        check_keywords(query)
        await interaction.response.defer(thinking=True)
        found = await find(query, limit=RESULTS)
        await interaction.followup.send(embed=to_embed(embed(query, found)))

    @search.command(name="users", description="TikTok accounts matching keywords")
    @app_commands.describe(query="Keywords")
    async def users(self, interaction: discord.Interaction, query: Query) -> None:
        await self._answer(interaction, query, self.services.search.users, users_embed)

    @search.command(name="videos", description="TikTok videos matching keywords")
    @app_commands.describe(query="Keywords")
    async def videos(self, interaction: discord.Interaction, query: Query) -> None:
        await self._answer(interaction, query, self.services.search.videos, videos_embed)

    @search.command(name="hashtags", description="TikTok hashtags matching keywords")
    @app_commands.describe(query="Keywords")
    async def hashtags(self, interaction: discord.Interaction, query: Query) -> None:
        await self._answer(interaction, query, self.services.search.hashtags, hashtags_embed)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Search(bot))
