"""The mentions a message would make, as Discord decides them from its content and `allowed_mentions`.

Discord's rules (https://discord.com/developers/docs/resources/message#allowed-mentions-object):

- Only the content pings; embeds never do.
- Without `allowed_mentions` every mention in the content pings: `@everyone`, `@here`, `<@id>`, `<@!id>`
  and `<@&id>`.
- With it, `parse` lists the kinds that ping whenever they appear ("everyone" covers `@everyone` and
  `@here`, "users", "roles"); `users` and `roles` list the ids that ping although their kind is not parsed
  (a kind in `parse` and the same kind's id list together is a 400); `replied_user` pings the author of
  the message replied to. An empty object (`{"parse": []}`) pings nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_EVERYONE = re.compile(r"@(everyone|here)\b")
_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")


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


def conflicting(allowed: dict[str, Any] | None) -> str | None:
    """Why Discord would refuse this `allowed_mentions` (a kind both parsed and listed by id), or None."""
    if not allowed:
        return None
    parse = set(allowed.get("parse") or [])
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            return f"allowed_mentions: {kind!r} is both in parse and listed by id"
    return None


def pings(content: str, allowed: dict[str, Any] | None, *, replied_user: int | None = None) -> Pings:
    """Who a message with this content and `allowed_mentions` pings (`replied_user`: the author of the
    message it replies to, if it is a reply)."""
    users = {int(u) for u in _USER.findall(content or "")}
    roles = {int(r) for r in _ROLE.findall(content or "")}
    everyone = bool(_EVERYONE.search(content or ""))
    if allowed is None:
        if replied_user is not None:
            users.add(replied_user)
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
