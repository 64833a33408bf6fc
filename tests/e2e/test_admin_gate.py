"""The admin gate on both sides: Discord's default_member_permissions hide admin commands from members, and
the bot's own check (Manage Server or the admin role) still refuses them when a guild lets them through."""

from __future__ import annotations

from typing import Any

import asyncpg
import discord
import pytest
from discord import app_commands

from bot.discord.checks import ADMIN, ADMIN_PERMISSIONS, admin_only, is_admin, is_admin_command
from bot.sandbox.discord import InvalidInvocation
from bot.sandbox.discord.payload_limits import check_commands
from bot.sandbox.stack import Stack

MANAGE_SERVER = str(ADMIN_PERMISSIONS.value)
ADMIN_PATHS = {
    "config channel",
    "config schedule",
    "config admin-role",
    "config timezone",
    "config alerts",
    "config digest",
    "config show",
    "limits set",
    "questions on",
    "questions off",
    "questions show",
    "questions keywords add",
    "questions keywords remove",
    "questions keywords list",
    "templates add",
    "templates edit",
    "templates remove",
    "watch add",
    "watch remove",
}
ONLY_ADMINS = "Only admins (Manage Server, or the configured admin role) can do that."


def walk(node: Any, path: str) -> list[tuple[Any, str]]:
    found = [(node, path)]
    for child in getattr(node, "commands", []):
        found += walk(child, f"{path} {child.name}")
    return found


async def test_admin_commands_are_marked_and_synced_with_default_member_permissions(stack: Stack) -> None:
    marked = {
        path
        for command in stack.bot.tree.get_commands()
        for node, path in walk(command, command.name)
        if is_admin_command(node) and not isinstance(node, app_commands.Group)
    }
    assert marked == ADMIN_PATHS
    synced = {c["name"]: c for c in stack.emulator.visible_commands(stack.world.guild)}
    # A whole admin group carries Manage Server; a group mixing member and admin subcommands cannot
    # (Discord reads the field on top-level commands only), and member commands have none.
    assert synced["config"]["default_member_permissions"] == MANAGE_SERVER
    assert synced["questions"]["default_member_permissions"] == MANAGE_SERVER
    for name in ("limits", "templates", "watch", "track", "analytics", "usage", "digest"):
        assert synced[name]["default_member_permissions"] is None, name


async def test_a_member_is_refused_by_the_bot_when_the_guild_lets_them_see_an_admin_command(
    stack: Stack, clean_db: asyncpg.Pool
) -> None:
    w = stack.world
    with pytest.raises(InvalidInvocation, match="would not show them the command"):
        await stack.emulator.invoke(w.member, "config show", channel=w.channel)
    w.guild.allow_command("config")  # Server Settings → Integrations: @everyone may use /config
    for command, values in (("config show", {}), ("config schedule", {"offsets": "1h,2h"})):
        refused = await (await stack.emulator.invoke(w.member, command, channel=w.channel, **values)).final()
        assert refused.ephemeral and refused.content == ONLY_ADMINS, command
    assert await clean_db.fetchval("SELECT count(*) FROM guild_settings") == 0
    shown = await (await stack.emulator.invoke(w.admin, "config show", channel=w.channel)).final()
    assert not shown.ephemeral and shown.embeds
    stack.emulator.assert_no_violations()


def test_the_decorator_marks_a_command_on_both_sides() -> None:
    async def callback(interaction: discord.Interaction) -> None: ...

    top = admin_only()(app_commands.Command(name="purge", description="Purge", callback=callback))
    assert top.extras[ADMIN] and top.default_permissions == ADMIN_PERMISSIONS and is_admin in top.checks

    group = app_commands.Group(name="mixed", description="Member and admin subcommands")
    sub = admin_only()(group.command(name="set", description="Set")(callback))
    assert sub.extras[ADMIN] and is_admin in sub.checks
    assert sub.default_permissions is None and group.default_permissions is None  # not on subcommands
    assert is_admin_command(sub) and not is_admin_command(group)

    whole = admin_only()(app_commands.Group(name="settings", description="Admin only"))
    child = whole.command(name="show", description="Show")(callback)
    assert whole.default_permissions == ADMIN_PERMISSIONS and is_admin_command(child)

    with pytest.raises(TypeError, match="above the command decorator"):
        admin_only()(callback)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (None, True),
        ("32", True),
        (32, True),
        ("0", True),
        ("x", False),
        (-1, False),
        ("", False),
        (True, False),
    ],
)
def test_the_emulator_takes_default_member_permissions_as_discord_does(value: object, valid: bool) -> None:
    command = {"name": "purge", "type": 1, "description": "Purge", "default_member_permissions": value}
    assert (check_commands([command], is_global=False) == []) is valid
