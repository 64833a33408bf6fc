"""The Discord side of alert routes: /config alerts' callback, and whether a channel (for alerts or the digest)
and a role will work."""

from __future__ import annotations

import discord

from bot.alert_routes import ALERT_KINDS, AlertRouteService
from bot.discord.checks import guild_id_of
from bot.errors import InvalidInput
from bot.render.alerts import (
    channel_unusable_message,
    reset_with_route_message,
    route_reset_message,
    route_set_message,
)

KIND_CHOICES = [discord.app_commands.Choice(name=kind, value=kind) for kind in ALERT_KINDS]
# What an alert needs in its channel: to see it, to post, and to show embeds.
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
# A digest also attaches its chart.
DIGEST_NEEDS = (*NEEDED, ("attach_files", "Attach Files"))


def missing_permissions(
    channel: discord.TextChannel, needed: tuple[tuple[str, str], ...] = NEEDED
) -> list[str]:
    """The permissions the bot lacks to post alerts (or what else `needed` names) in `channel` (empty: it
    can)."""
    me = channel.guild.me
    if me is None:  # the bot's member not cached (yet): Discord will tell, and the route is marked broken
        return []
    mine = channel.permissions_for(me)
    return [label for flag, label in needed if not getattr(mine, flag)]


def require_postable(
    channel: discord.TextChannel | None, needed: tuple[tuple[str, str], ...] = NEEDED
) -> None:
    """Refuses, naming what is missing, a channel chosen for alerts (or for what else `needed` names) that
    the bot cannot post in; None (the default channel) is not this check's."""
    if channel is not None and (missing := missing_permissions(channel, needed)):
        raise InvalidInput(channel_unusable_message(channel.mention, missing))


def role_notifies(role: discord.Role, where: discord.TextChannel | discord.Guild) -> bool:
    """Whether Discord notifies `role` of the bot's mention: a mentionable role, or a bot that may mention
    every role there (Mention @everyone, @here and All Roles)."""
    me = where.me if isinstance(where, discord.Guild) else where.guild.me
    if me is None:  # not cached: no warning rather than a guess
        return True
    perms = me.guild_permissions if isinstance(where, discord.Guild) else where.permissions_for(me)
    return role.mentionable or perms.mention_everyone


async def route_alerts(
    service: AlertRouteService,
    interaction: discord.Interaction,
    kind: str,
    channel: discord.TextChannel | None,
    ping: discord.Role | None,
    reset: bool,
) -> None:
    """/config alerts: set or clear the route of `kind`, refusing a channel the bot cannot post in."""
    guild_id = guild_id_of(interaction)
    if reset:
        if channel is not None or ping is not None:
            raise InvalidInput(reset_with_route_message())
        existed = await service.reset(guild_id, kind)
        await interaction.response.send_message(route_reset_message(kind, existed))
        return
    require_postable(channel)
    route = await service.set(
        guild_id, kind, channel_id=channel.id if channel else None, role_id=ping.id if ping else None
    )
    where = channel or interaction.guild
    notifies = ping is None or where is None or role_notifies(ping, where)
    await interaction.response.send_message(
        route_set_message(route, role_notifies=notifies), allowed_mentions=discord.AllowedMentions.none()
    )
