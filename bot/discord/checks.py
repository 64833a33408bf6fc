"""The admin gate, and the guild check shared by the cogs.

`admin_only()` is the one way a command becomes admin-only. It acts on both sides:

- **Discord's side**: `default_member_permissions` = Manage Server, so members without it do not even see
  the command. Discord honours that field on top-level commands and groups only: a subcommand has no
  permissions of its own (discord.py drops them there too). So it is set when the marked item is a
  top-level command or a whole admin group (`/config`); a group that mixes member and admin subcommands
  (`/limits show` and `/limits set`, `/templates`, `/watch`) cannot carry it, and its admin subcommands
  rely on the server-side check alone.
- **The record**: `extras["admin"] = True` on the command or group; the README generator reads it.
- **The server's side**: the `is_admin` check (Manage Server, or the role set by `/config admin-role`). It
  stays the authority: a guild may override `default_member_permissions` in its Integrations settings,
  and the admin role is not a Discord permission at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.discord.tree import AdminOnly
from bot.render.errors import NOT_TEAM_SERVER, TEAM_SERVERS_UNSET
from bot.team_scope import TeamRefusal, TeamScope

# The key in a command's `extras` that marks it admin-only (set by admin_only, read by the README).
ADMIN = "admin"
# What Discord shows admin commands to by default: members with Manage Server.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)

Marked = TypeVar("Marked", bound=app_commands.Command[Any, ..., Any] | app_commands.Group)


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


def admin_only() -> Callable[[Marked], Marked]:
    """Marks an admin command, or a whole admin group, on both sides (see the module's docstring).

    Put it above `@group.command(...)` / `@app_commands.command(...)`, or around a group:
    `config = admin_only()(app_commands.Group(name="config", ...))`.
    """

    def mark(item: Marked) -> Marked:
        if not isinstance(item, app_commands.Command | app_commands.Group):
            raise TypeError(
                f"admin_only() marks a command or a group; put it above the command decorator, not on {item!r}"
            )
        item.extras[ADMIN] = True
        if item.parent is None:  # Discord ignores default_member_permissions below the top level
            item.default_permissions = ADMIN_PERMISSIONS
        if isinstance(item, app_commands.Command):
            item.add_check(is_admin)
        else:
            # discord.py runs a group's interaction_check before each of its subcommands; the group is
            # copied with its attributes when the cog is loaded, so the check goes with it.
            item.interaction_check = is_admin  # type: ignore[method-assign]
        return item

    return mark


def is_admin_command(
    item: app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu,
) -> bool:
    """True when `item` or a group above it is marked by admin_only (a context menu has no group)."""
    node: app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu | None = item
    while node is not None:
        if node.extras.get(ADMIN):
            return True
        node = getattr(node, "parent", None)
    return False


def guild_id_of(interaction: discord.Interaction[Any]) -> int:
    """The guild the command was used in; a direct message is refused with a clear reply."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


# --- team-wide data: only in the team's servers (TEAM_GUILD_IDS) -------------------------------------------
TEAM = "team"


class NotTeamServer(app_commands.CheckFailure):
    """Team-wide data asked for outside the team's servers; its text is the one ephemeral line shown."""

    def __init__(self, refusal: TeamRefusal) -> None:
        super().__init__(TEAM_SERVERS_UNSET if refusal is TeamRefusal.UNSET_MANY_SERVERS else NOT_TEAM_SERVER)
        self.refusal = refusal


def team_refusal(interaction: discord.Interaction[Any]) -> TeamRefusal | None:
    """None when the interaction comes from one of the team's servers; else why not."""
    scope: TeamScope = interaction.client.team_scope  # type: ignore[attr-defined]
    return scope.refusal(interaction.guild_id, [g.id for g in interaction.client.guilds])


async def is_team_server(interaction: discord.Interaction[Any]) -> bool:
    refusal = team_refusal(interaction)
    if refusal is not None:
        raise NotTeamServer(refusal)
    return True


def team_only() -> Callable[[Marked], Marked]:
    """Marks a command, or a whole group, that shows or changes team-wide data: it answers only in the
    team's servers (elsewhere one ephemeral line saying why). Put it above admin_only() when both apply."""

    def mark(item: Marked) -> Marked:
        item.extras[TEAM] = True
        if isinstance(item, app_commands.Command):
            item.add_check(is_team_server)
        else:
            before = item.interaction_check

            async def check(interaction: discord.Interaction[Any]) -> bool:
                return await is_team_server(interaction) and await before(interaction)

            item.interaction_check = check  # type: ignore[method-assign]
        return item

    return mark
