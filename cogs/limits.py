"""/limits show, /limits set and /actions recent: thin adapters over the limits service (as the CLI's)."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.caps import MAX_CAP
from bot.discord.checks import admin_only, team_only
from bot.render.team import actions_embed, cap_set_message, limits_embed
from cogs._ui import AccountName, ServiceCog, to_embed

# The action types automation_actions accepts (db/actions.py ACTION_TYPES), offered as choices.
Action = Literal["like", "comment", "follow", "unfollow", "message", "search", "view"]
RECENT = 15


class Limits(ServiceCog):
    """Daily and hourly caps on automation actions, and the actions recorded."""

    limits = team_only()(app_commands.Group(name="limits", description="Caps on automation actions"))
    actions = team_only()(app_commands.Group(name="actions", description="Recorded automation actions"))

    @limits.command(name="show", description="Today's and this hour's count against each cap (UTC)")
    @app_commands.describe(account="An account's usage (default: the caps every account gets)")
    async def show(self, interaction: discord.Interaction, account: AccountName | None = None) -> None:
        report = await self.services.limits.show(account)
        await interaction.response.send_message(embed=to_embed(limits_embed(report)))

    @admin_only()
    @limits.command(name="set", description="Set a daily (and hourly) cap (admins)")
    @app_commands.describe(
        action="The action type",
        daily="Actions per UTC day",
        hourly="Actions per UTC hour (default: keep the one in force, at most the daily cap)",
        account="One account's cap (default: the default for every account)",
    )
    async def set_cap(
        self,
        interaction: discord.Interaction,
        action: Action,
        daily: app_commands.Range[int, 0, MAX_CAP],
        hourly: app_commands.Range[int, 0, MAX_CAP] | None = None,
        account: AccountName | None = None,
    ) -> None:
        cap = await self.services.limits.set_cap(
            action, daily, hourly, account, by=f"discord:{interaction.user.id}"
        )
        await interaction.response.send_message(cap_set_message(cap, account))

    @actions.command(name="recent", description="The latest recorded automation actions")
    @app_commands.describe(account="Only this account's", type="Only this action type")
    async def recent(
        self, interaction: discord.Interaction, account: AccountName | None = None, type: Action | None = None
    ) -> None:
        found = await self.services.limits.recent_actions(account, type, limit=RECENT)
        await interaction.response.send_message(embed=to_embed(actions_embed(found, account, type)))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Limits(bot))
