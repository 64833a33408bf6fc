"""Turning "limits show" plus keyword values into an interaction's `data`, checked against the synced schema."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.discord.world import Channel, Guild, Member, Role, User

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
TYPE_NAMES = {
    STRING: "string",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}
MAX_SAFE_INTEGER = 2**53
SLASH, MESSAGE_MENU = 1, 3  # a command's type: typed, or in a message's Apps menu


class InvalidInvocation(ValueError):
    """Discord's client would not let a user send this: no such command, or an option it refuses."""


@dataclass
class Built:
    """The `data` of an INTERACTION_CREATE and the registered command it targets."""

    command: dict[str, Any]
    data: dict[str, Any]
    path: list[str]
    leaf_options: list[dict[str, Any]] = field(default_factory=list)


def command_names(commands: list[dict[str, Any]], *, kind: int = SLASH) -> list[str]:
    """The names of the registered commands of a type (a slash command's without its "/"), sorted."""
    return sorted(c["name"] for c in commands if c.get("type", SLASH) == kind)


def find_command(commands: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for cmd in commands:
        if cmd.get("type", SLASH) == SLASH and cmd["name"] == name:
            return cmd
    known = command_names(commands)
    raise InvalidInvocation(f"the bot never registered a slash command /{name} (registered: {known})")


def find_context_menu(commands: list[dict[str, Any]], name: str, *, kind: int) -> dict[str, Any]:
    """A user (kind 2) or message (kind 3) context-menu command by its name, as the client's Apps menu shows."""
    for cmd in commands:
        if cmd.get("type", SLASH) == kind and cmd["name"] == name:
            return cmd
    known = command_names(commands, kind=kind)
    raise InvalidInvocation(
        f"the bot never registered a context menu {name!r} of type {kind} (registered: {known})"
    )


def check_member_may_use(command: dict[str, Any], member: Member, channel: Channel) -> None:
    """Discord hides a command whose default_member_permissions the member lacks (unless overridden)."""
    _check_member_may_use(command, member, channel)


def build(
    commands: list[dict[str, Any]],
    command_path: str,
    values: dict[str, Any],
    *,
    member: Member,
    channel: Channel,
    focused: str | None = None,
) -> Built:
    """Resolve `command_path` into the nested subcommand structure and check every option value.

    With `focused`, build an autocomplete request: the focused value is the partial text the user typed,
    and required options may be missing, as Discord sends them while the user is still typing.
    """
    parts = command_path.strip().lstrip("/").split()
    command, schema, nest = _walk(commands, parts)
    _check_member_may_use(command, member, channel)

    resolved: dict[str, dict[str, Any]] = {}
    leaf = _leaf_options(schema, values, member, channel, resolved, focused=focused, path=" ".join(parts))

    # Nest the leaf options inside subcommand/group entries, innermost last.
    options = leaf
    for entry in reversed(nest):
        entry["options"] = options
        options = [entry]
    data: dict[str, Any] = {"id": str(command["id"]), "name": command["name"], "type": 1, "options": options}
    if command.get("guild_id"):
        data["guild_id"] = str(command["guild_id"])
    if resolved:
        data["resolved"] = resolved
    return Built(command=command, data=data, path=parts, leaf_options=leaf)


def _walk(
    commands: list[dict[str, Any]], parts: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The command, the leaf's option schema, and the subcommand entries leading to it."""
    if not parts:
        raise InvalidInvocation("empty command name")
    command = find_command(commands, parts[0])
    schema: list[dict[str, Any]] = command.get("options") or []
    nest: list[dict[str, Any]] = []  # the subcommand group/subcommand option dicts, outermost first
    for depth, part in enumerate(parts[1:], start=1):
        sub = next(
            (o for o in schema if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)), None
        )
        if sub is None:
            subs = [o["name"] for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            where = " ".join(parts[:depth])
            raise InvalidInvocation(f"/{where} has no subcommand {part!r} (it has: {subs})")
        nest.append({"name": part, "type": sub["type"], "options": []})
        schema = sub.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        subs = [o["name"] for o in schema]
        raise InvalidInvocation(f"/{' '.join(parts)} is a group: name one of its subcommands {subs}")
    return command, schema, nest


def parse_line(commands: list[dict[str, Any]], line: str, guild: Guild) -> tuple[str, dict[str, Any]]:
    """Read a command as a person types it: `/limits set action:like daily:40 note:"two words"`.

    Returns the command path and the option values converted to the types the schema declares
    (channels as `#name`, members and roles as `@name`), ready for DiscordEmulator.invoke.
    """
    try:
        tokens = shlex.split(line.strip().removeprefix("/"))
    except ValueError as exc:
        raise InvalidInvocation(f"cannot read {line!r}: {exc}") from None
    split = next((i for i, t in enumerate(tokens) if ":" in t), len(tokens))
    parts, pairs = tokens[:split], tokens[split:]
    _, schema, _ = _walk(commands, parts)
    by_name = {o["name"]: o for o in schema}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, _, raw = pair.partition(":")
        spec = by_name.get(name)
        if spec is None:
            raise InvalidInvocation(f"/{' '.join(parts)} has no option {name!r} (it has: {list(by_name)})")
        values[name] = _from_text(spec, raw, guild)
    return " ".join(parts), values


def _from_text(spec: dict[str, Any], raw: str, guild: Guild) -> Any:
    kind, name = spec["type"], spec["name"]
    try:
        if kind == INTEGER:
            return int(raw)
        if kind == NUMBER:
            return float(raw)
    except ValueError:
        raise InvalidInvocation(
            f"option {name!r} must be a number ({TYPE_NAMES[kind]}), not {raw!r}"
        ) from None
    if kind == BOOLEAN:
        if raw.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise InvalidInvocation(f"option {name!r} needs true or false, not {raw!r}")
        return raw.lower() in ("true", "yes", "1")
    if kind == CHANNEL:
        key = raw.removeprefix("<#").removesuffix(">").removeprefix("#")
        for channel in guild.text_channels:
            if key in (channel.name, str(channel.id)):
                return channel
        raise InvalidInvocation(f"no channel {raw!r} in {guild.name}")
    if kind in (USER, ROLE, MENTIONABLE):
        key = raw.removeprefix("<@").removeprefix("&").removesuffix(">").removeprefix("@")
        if kind != ROLE:
            for member in guild.members.values():
                if key in (member.name, str(member.id)):
                    return member
        if kind != USER:
            for role in guild.roles.values():
                if key in (role.name, str(role.id)):
                    return role
        raise InvalidInvocation(f"nobody called {raw!r} in {guild.name}")
    return raw


def _check_member_may_use(command: dict[str, Any], member: Member, channel: Channel) -> None:
    required = command.get("default_member_permissions")
    if required in (None, ""):
        return
    allowed = member.guild.command_overrides.get(command["name"], set())
    if allowed & {member.id, member.guild.id, *(role.id for role in member.roles)}:
        return  # the guild's override lets this member use it: only the bot's own check is left
    needed = int(required)
    have = member.permissions_in(channel)
    if needed == 0 or have & needed != needed:
        raise InvalidInvocation(
            f"/{command['name']} needs permissions {needed:#x}; {member.name} has {have:#x}, "
            "so Discord would not show them the command"
        )


def _leaf_options(
    schema: list[dict[str, Any]],
    values: dict[str, Any],
    member: Member,
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
    *,
    focused: str | None,
    path: str,
) -> list[dict[str, Any]]:
    by_name = {o["name"]: o for o in schema}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise InvalidInvocation(f"/{path} has no option(s) {unknown} (it has: {list(by_name)})")
    if focused is not None:
        spec = by_name.get(focused)
        if spec is None:
            raise InvalidInvocation(
                f"/{path} has no option {focused!r} to autocomplete (it has: {list(by_name)})"
            )
        if not spec.get("autocomplete"):
            raise InvalidInvocation(f"option {focused!r} of /{path} was not registered with autocomplete")
    else:
        missing = [o["name"] for o in schema if o.get("required") and values.get(o["name"]) is None]
        if missing:
            raise InvalidInvocation(f"/{path} is missing required option(s) {missing}")

    out: list[dict[str, Any]] = []
    for spec in schema:  # Discord lists options in the order they are declared
        name = spec["name"]
        if name == focused:
            text = values.get(name, "")
            out.append({"name": name, "type": spec["type"], "value": str(text), "focused": True})
            continue
        if values.get(name) is None:
            continue
        value = _convert(spec, values[name], member, channel, resolved, path=path)
        out.append({"name": name, "type": spec["type"], "value": value})
    return out


def _convert(
    spec: dict[str, Any],
    value: Any,
    member: Member,
    channel: Channel,
    resolved: dict[str, dict[str, Any]],
    *,
    path: str,
) -> Any:
    kind, name = spec["type"], spec["name"]
    where = f"option {name!r} of /{path} ({TYPE_NAMES.get(kind, kind)})"

    def refuse(why: str) -> InvalidInvocation:
        return InvalidInvocation(f"{where}: {why} (got {value!r})")

    if kind == STRING:
        if not isinstance(value, str):
            raise refuse("needs a str")
        if "min_length" in spec and len(value) < spec["min_length"]:
            raise refuse(f"shorter than min_length {spec['min_length']}")
        if len(value) > spec.get("max_length", 6000):
            raise refuse(f"longer than max_length {spec.get('max_length', 6000)}")
        if not value:
            raise refuse("Discord does not send empty strings")
    elif kind == INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse("needs an int")
        if abs(value) > MAX_SAFE_INTEGER:
            raise refuse("outside Discord's integer range (±2**53)")
    elif kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refuse("needs a number")
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise refuse("needs a bool")
    elif kind in (USER, MENTIONABLE) and isinstance(value, Member | User):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        guild_member = value if isinstance(value, Member) else member.guild.members.get(user.id)
        if guild_member is not None:
            perms = guild_member.permissions_in(channel)
            resolved.setdefault("members", {})[str(user.id)] = guild_member.payload(
                with_user=False, permissions=perms
            )
        return str(user.id)
    elif kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    elif kind == CHANNEL:
        if not isinstance(value, Channel):
            raise refuse("needs an emulator Channel")
        allowed = spec.get("channel_types")
        if allowed and value.type not in allowed:
            raise refuse(f"channel type {value.type} not in {allowed}")
        if value.deleted or value.guild is not member.guild:
            raise refuse("channel is not in the member's guild")
        entry = value.payload()
        entry["permissions"] = str(member.permissions_in(value))
        resolved.setdefault("channels", {})[str(value.id)] = entry
        return str(value.id)
    elif kind in (USER, ROLE, MENTIONABLE):
        raise refuse("needs an emulator Member, User or Role")
    else:
        raise refuse("the emulator does not build this option type")

    if kind in (INTEGER, NUMBER):
        if "min_value" in spec and value < spec["min_value"]:
            raise refuse(f"below min_value {spec['min_value']}")
        if "max_value" in spec and value > spec["max_value"]:
            raise refuse(f"above max_value {spec['max_value']}")
    choices = spec.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise refuse(f"not one of the declared choices {[c['value'] for c in choices]}")
    return value
