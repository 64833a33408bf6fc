"""The mentions a message would make, as Discord decides them from its content and `allowed_mentions`.

Discord's rules (https://discord.com/developers/docs/resources/message#allowed-mentions-object):

- Only the content pings (and the text of a message's Text Display components); embeds never do.
- Without `allowed_mentions`, a regular message parses every mention in its content (`@everyone`, `@here`,
  `<@id>`, `<@!id>` and `<@&id>`), while an interaction's answer or a webhook's message parses user
  mentions only (`{"parse": ["users"]}`).
- With it, `parse` lists the kinds that ping whenever they appear ("everyone" covers `@everyone` and
  `@here`, "users", "roles"); `users` and `roles` list the ids that ping although their kind is not parsed
  (a kind in `parse` and the same kind's id list together is a 400, so is a list of more than 100 ids);
  `replied_user` pings the author of the message replied to. An empty object (`{"parse": []}`) pings
  nobody. An id listed but not mentioned in the content pings nobody.
- Allowing a mention does not make it notify: a role whose `mentionable` is false notifies its members
  only when the author has the Mention Everyone permission in the channel, and `@everyone`/`@here` need
  that permission too (`deliverable`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

_EVERYONE = re.compile(r"@(everyone|here)\b")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
KINDS = ("everyone", "users", "roles")
MAX_IDS = 100
TEXT_DISPLAY = 10  # the component type whose `content` is message text


@dataclass(frozen=True)
class Pings:
    """Who a message pings: @everyone/@here, and the user and role ids."""

    everyone: bool = False
    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return self.everyone or bool(self.users) or bool(self.roles)

    def describe(self) -> str:
        parts = (["@everyone/@here"] if self.everyone else []) + [f"user {u}" for u in sorted(self.users)]
        return ", ".join(parts + [f"role {r}" for r in sorted(self.roles)]) or "nobody"


def problems(allowed: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Why Discord would refuse this `allowed_mentions` (path in the body, reason); empty when it is valid."""
    if allowed is None:
        return []
    if not isinstance(allowed, dict):
        return [(("allowed_mentions",), "Must be an object.")]
    found: list[tuple[tuple[str | int, ...], str]] = []
    parse = allowed.get("parse") or []
    if not isinstance(parse, list):
        return [(("allowed_mentions", "parse"), "Must be an array.")]
    for n, kind in enumerate(parse):
        if kind not in KINDS:
            found.append((("allowed_mentions", "parse", n), f"Value must be one of {KINDS}."))
    for kind in ("users", "roles"):
        ids = allowed.get(kind) or []
        if kind in parse and ids:
            found.append(
                (("allowed_mentions",), f"parse:[{kind!r}] and {kind}: [ids] are mutually exclusive.")
            )
        if len(ids) > MAX_IDS:
            found.append(((("allowed_mentions", kind)), f"Must be {MAX_IDS} or fewer in length."))
    return found


def conflicting(allowed: dict[str, Any] | None) -> str | None:
    """The first reason Discord would refuse this `allowed_mentions`, or None."""
    found = problems(allowed)
    return f"allowed_mentions: {found[0][1]}" if found else None


def mention_text(content: str, components: list[dict[str, Any]] | None = None) -> str:
    """The text Discord looks for mentions in: the content, and every Text Display component's."""
    parts = [content or ""]
    stack = list(components or [])
    while stack:
        item = stack.pop(0)
        if item.get("type") == TEXT_DISPLAY:
            parts.append(str(item.get("content") or ""))
        stack.extend(item.get("components") or [])
        if isinstance(item.get("accessory"), dict):
            stack.append(item["accessory"])
    return "\n".join(parts)


def pings(
    content: str, allowed: dict[str, Any] | None, *, replied_user: int | None = None, webhook: bool = False
) -> Pings:
    """Who a message with this content and `allowed_mentions` pings (`replied_user`: the author of the
    message it replies to, if it is a reply; `webhook`: an interaction's answer or a webhook's message,
    whose default parses user mentions only)."""
    users = {int(u) for u in _USER.findall(content or "")}
    roles = {int(r) for r in _ROLE.findall(content or "")}
    everyone = bool(_EVERYONE.search(content or ""))
    if allowed is None:
        if replied_user is not None:
            users.add(replied_user)
        if webhook:
            return Pings(False, frozenset(users), frozenset())
        return Pings(everyone, frozenset(users), frozenset(roles))
    parse = set(allowed.get("parse") or [])
    allowed_users = {int(u) for u in allowed.get("users") or []}
    allowed_roles = {int(r) for r in allowed.get("roles") or []}
    pinged_users = users if "users" in parse else users & allowed_users
    if replied_user is not None and allowed.get("replied_user"):
        pinged_users = pinged_users | {replied_user}
    return Pings(
        everyone=everyone and "everyone" in parse,
        users=frozenset(pinged_users),
        roles=frozenset(roles if "roles" in parse else roles & allowed_roles),
    )


def deliverable(allowed: Pings, *, mention_everyone: bool, mentionable: Collection[int]) -> Pings:
    """Who Discord notifies of the pings a message allowed: `mention_everyone` is whether the author has
    that permission in the channel, `mentionable` the ids of the guild's roles that anyone may mention."""
    return Pings(
        everyone=allowed.everyone and mention_everyone,
        users=allowed.users,
        roles=allowed.roles if mention_everyone else allowed.roles & frozenset(mentionable),
    )
