"""Discord-side helpers for watched accounts, shared by cogs/watch.py and /analytics account:."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.charts import account_chart_png
from bot.render.watch import ACCOUNT_CHART, account_analytics_embed, watched_choice
from cogs._ui import Suggested, send_with_chart, services_of


async def watched_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The accounts this server watches, starting with what was typed."""
    if interaction.guild_id is None:
        return []
    names = await services_of(interaction).watches.find(interaction.guild_id, current)
    return [app_commands.Choice(name=watched_choice(n), value=n) for n in names]


# A watched account as an option: a TikTok username (at most 40 characters), suggested from this server's.
WatchedAccount = app_commands.Transform[
    str, Suggested(watched_autocomplete, discord.AppCommandOptionType.string, 1, 40)
]


async def send_account_analytics(
    interaction: discord.Interaction, account: str, *, chart: bool = True
) -> None:
    """The answer of `/analytics account:`: the account's numbers at once, its chart as an edit (as for a
    post, so the first answer never waits for matplotlib)."""
    watches = services_of(interaction).watches
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    result = await watches.account_analytics(account, interaction.guild_id)
    await send_with_chart(
        interaction,
        result,
        account_analytics_embed,
        account_chart_png if chart and result.snapshots else None,
        ACCOUNT_CHART,
    )
