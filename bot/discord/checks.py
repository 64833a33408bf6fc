"""Slash-command checks shared by the cogs: the admin check (Manage Server, or the guild's admin role)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.discord.tree import AdminOnly

T = TypeVar("T")


async def is_admin(interaction: discord.Interaction) -> bool:
    """True for members with Manage Server or the role set by `/config admin-role`."""
    if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    if interaction.permissions.manage_guild:
        return True
    services = interaction.client.services  # type: ignore[attr-defined]
    role_id = await services.guild_config.admin_role(interaction.guild_id)
    if role_id is not None and any(role.id == role_id for role in interaction.user.roles):
        return True
    raise AdminOnly()


def admin_only() -> Callable[[T], T]:
    """Decorator for admin-only commands (and every command of a group when put on the group)."""
    return app_commands.check(is_admin)


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    """The guild the command was used in; a direct message is refused with a clear reply."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id
