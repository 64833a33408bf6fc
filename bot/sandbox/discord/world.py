"""The emulated Discord world: users, guilds, roles, text channels, members and their permissions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.discord.snowflake import Permissions, iso, new_snowflake

# Called with (event name, payload) when the world changes, so a connected bot hears about it.
EventSink = Callable[[str, dict[str, Any]], None]


@dataclass(eq=False)
class User:
    """A Discord account: a person or a bot."""

    id: int
    name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": None if self.bot else self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class BotAccount:
    """A bot token the emulator accepts, with its user and its application."""

    token: str
    user: User
    application_id: int
    application_flags: int = 0


@dataclass(eq=False)
class Role:
    """A guild role; the @everyone role shares the guild's id."""

    id: int
    name: str
    permissions: int
    guild_id: int
    position: int = 0
    managed: bool = False
    # Whether anyone may ping it; else only members with Mention Everyone (Discord's default: False).
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            # Discord sends permissions as a decimal string: they no longer fit in 53 bits.
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": self.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite for one role (type 0) or one member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Member:
    """A user's membership of one guild."""

    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def guild_permissions(self) -> int:
        return self.guild.base_permissions(self)

    def permissions_in(self, channel: Channel) -> int:
        return self.guild.channel_permissions(self, channel)

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "joined_at": iso(self.joined_at),
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "premium_since": None,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class Channel:
    """A guild text channel (type 0)."""

    id: int
    name: str
    guild: Guild
    position: int
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    deleted: bool = False

    type: int = 0

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "topic": self.topic,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "permission_overwrites": [o.payload() for o in self.overwrites.values()],
            "flags": 0,
        }

    def set_overwrite(self, target: Role | Member | User, *, allow: int = 0, deny: int = 0) -> None:
        """Set the channel overwrite for a role or a member (replacing any earlier one)."""
        kind = 0 if isinstance(target, Role) else 1
        self.overwrites[target.id] = Overwrite(target.id, kind, allow=allow, deny=deny)
        self.guild._emit("CHANNEL_UPDATE", self.payload())

    def revoke_bot(self, permissions: int = Permissions.SEND_MESSAGES) -> None:
        """Deny the bot(s) `permissions` here: a send then answers 403 Missing Permissions (50013)."""
        for member in self.guild.bot_members():
            current = self.overwrites.get(member.id)
            allow = current.allow & ~permissions if current else 0
            deny = (current.deny if current else 0) | permissions
            self.overwrites[member.id] = Overwrite(member.id, 1, allow=allow, deny=deny)
        self.guild._emit("CHANNEL_UPDATE", self.payload())

    def delete(self) -> None:
        """Delete the channel: a send then answers 404 Unknown Channel (10003)."""
        self.guild.delete_channel(self)


class Guild:
    """A Discord server with its roles, text channels and members."""

    def __init__(self, name: str, *, emit: EventSink | None = None) -> None:
        self.id = new_snowflake()
        self.name = name
        self.features: list[str] = []
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        # The guild's overrides of its commands' permissions (Server Settings → Integrations): command
        # name → the ids (members, roles; the guild's id is @everyone) allowed to use it whatever its
        # default_member_permissions say.
        self.command_overrides: dict[str, set[int]] = {}
        self._emit_sink = emit
        self.everyone = Role(self.id, "@everyone", Permissions.EVERYONE_DEFAULT, self.id, position=0)
        self.roles[self.id] = self.everyone
        # An owner distinct from the members tests create, since the owner bypasses every permission.
        self.owner = self._new_member(User(new_snowflake(), f"{name}-owner"), [])

    # --- building the world -------------------------------------------------------------------
    def add_channel(self, name: str, *, topic: str | None = None) -> Channel:
        channel = Channel(new_snowflake(), name, self, position=len(self.channels), topic=topic)
        self.channels[channel.id] = channel
        self._emit("CHANNEL_CREATE", channel.payload())
        return channel

    def add_role(
        self, name: str, permissions: int = 0, *, managed: bool = False, mentionable: bool = False
    ) -> Role:
        role = Role(
            new_snowflake(),
            name,
            permissions,
            self.id,
            position=len(self.roles),
            managed=managed,
            mentionable=mentionable,
        )
        self.roles[role.id] = role
        self._emit("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.payload()})
        return role

    def add_member(
        self,
        name: str,
        roles: Iterable[Role] = (),
        permissions: int = 0,
        admin: bool = False,
    ) -> Member:
        """A new member holding `roles`; `permissions` and `admin` (Manage Server) come from a role of
        their own, so the bot sees the same permissions through roles as through the interaction."""
        role_list = list(roles)
        extra = permissions | (Permissions.MANAGE_GUILD if admin else 0)
        if extra:
            role_list.append(self.add_role(f"{name}-permissions", extra))
        member = self._new_member(User(new_snowflake(), name), role_list)
        self._emit("GUILD_MEMBER_ADD", {"guild_id": str(self.id), **member.payload()})
        return member

    def add_bot_member(self, account: BotAccount) -> Member:
        """The bot's own membership, with the managed role an invite gives it (idempotent)."""
        existing = self.members.get(account.user.id)
        if existing is not None:
            return existing
        role = self.add_role(account.user.name, Permissions.BOT_DEFAULT, managed=True)
        return self._new_member(account.user, [role])

    def allow_command(self, name: str, who: Member | Role | None = None) -> None:
        """What a guild's admin does in Integrations: let `who` (default: @everyone) use the command
        `name` although its default_member_permissions would hide it from them."""
        self.command_overrides.setdefault(name, set()).add(self.id if who is None else who.id)

    def delete_channel(self, channel: Channel) -> None:
        if self.channels.pop(channel.id, None) is not None:
            channel.deleted = True
            self._emit("CHANNEL_DELETE", channel.payload())

    def _new_member(self, user: User, roles: list[Role]) -> Member:
        member = Member(user, self, roles)
        self.members[user.id] = member
        return member

    # --- reading it ---------------------------------------------------------------------------
    @property
    def text_channels(self) -> list[Channel]:
        return sorted(self.channels.values(), key=lambda c: c.position)

    def bot_members(self) -> list[Member]:
        return [m for m in self.members.values() if m.user.bot]

    def base_permissions(self, member: Member) -> int:
        """Guild-wide permissions, computed as Discord documents it."""
        if member is self.owner:
            return Permissions.ALL
        perms = self.everyone.permissions
        for role in member.roles:
            perms |= role.permissions
        if perms & Permissions.ADMINISTRATOR:
            return Permissions.ALL
        return perms

    def channel_permissions(self, member: Member, channel: Channel) -> int:
        """Permissions in a channel: base, then @everyone, role and member overwrites in that order."""
        perms = self.base_permissions(member)
        if perms == Permissions.ALL:
            return perms
        everyone = channel.overwrites.get(self.id)
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in member.roles:
            ow = channel.overwrites.get(role.id)
            if ow and ow.type == 0:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        own = channel.overwrites.get(member.id)
        if own and own.type == 1:
            perms = (perms & ~own.deny) | own.allow
        # Without View Channel a member can do nothing in the channel at all.
        if not perms & Permissions.VIEW_CHANNEL:
            return 0
        return perms

    def payload(self) -> dict[str, Any]:
        """The GUILD_CREATE body: everything discord.py needs to build its cache."""
        return {
            "id": str(self.id),
            "name": self.name,
            "owner_id": str(self.owner.id),
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "features": list(self.features),
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.payload() for c in self.text_channels],
            "threads": [],
            "members": [m.payload() for m in self.members.values()],
            "member_count": len(self.members),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": iso(datetime.now(UTC)),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "max_members": 500000,
            "vanity_url_code": None,
            "application_id": None,
        }

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        if self._emit_sink is not None:
            self._emit_sink(event, data)
