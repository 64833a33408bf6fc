"""/digest now: the digest so far, shown to the asker alone with its chart; a thin adapter over the digest
service."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts.digest import DIGEST_CHART
from bot.digest import Digest
from bot.discord.checks import guild_id_of, team_only
from bot.render.digest import digest_embed
from cogs._ui import ServiceCog, send_with_chart


def _embed(digest: Digest, *, chart: bool = False) -> dict[str, Any]:
    return digest_embed(digest.notice.model_copy(update={"chart": DIGEST_CHART if chart else None}))


class DigestCog(ServiceCog):
    """The digest, previewed by any member of the team."""

    digest = team_only()(
        app_commands.Group(name="digest", description="The team's digest of the day or week")
    )

    @digest.command(name="now", description="Preview the digest so far (only you see it; nothing is posted)")
    async def now(self, interaction: discord.Interaction) -> None:
        preview = await self.services.digests.preview(guild_id_of(interaction))
        await send_with_chart(interaction, preview, _embed, Digest.chart_png, DIGEST_CHART, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(DigestCog(bot))
