"""Discord-side helpers shared by the cogs: embed dicts to discord.Embed, post autocomplete, paging."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands


def to_embed(data: Mapping[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(dict(data))


def to_embeds(items: list[Mapping[str, Any]]) -> list[discord.Embed]:
    return [to_embed(e) for e in items]


async def post_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
    """The guild's tracked posts matching what was typed (id, author, caption); at most 25."""
    if interaction.guild_id is None:
        return []
    choices = await interaction.client.services.tracking.find_posts(interaction.guild_id, current)  # type: ignore[attr-defined]
    return [app_commands.Choice(name=c.label[:100], value=c.id) for c in choices]
