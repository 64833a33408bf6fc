"""Replies about alert routes (/config alerts, /watch add ping:) and their lines in /config show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.alert_routes import AlertRoute
from bot.render.text import Embed, cut, field

_WHAT = {
    "checkback": "Check-back updates",
    "milestone": "Milestone alerts",
    "viral": "Viral alerts",
    "new_post": "New-post announcements",
    "cap": "Cap alerts",
    "budget": "Budget alerts",
}


def _where(channel_id: int | None) -> str:
    return f"<#{channel_id}>" if channel_id else "the notification channel"


def route_set_message(route: AlertRoute, *, role_notifies: bool = True) -> str:
    """The reply to /config alerts: where the kind goes now and whom it pings. `role_notifies` False: the
    role is not mentionable and the bot may not mention every role there, so Discord notifies nobody."""
    what = _WHAT.get(route.alert_kind, route.alert_kind)
    ping = f" and ping <@&{route.ping_role_id}>" if route.ping_role_id else ", pinging nobody"
    text = f"{what} now go to {_where(route.channel_id)}{ping}."
    if route.ping_role_id and not role_notifies:
        text += (
            "\n⚠️ That role is not mentionable and Checkback lacks *Mention @everyone, @here and All Roles* "
            "there, so Discord will show the mention without notifying anyone: make the role mentionable "
            "or grant that permission."
        )
    return text


def route_reset_message(kind: str, existed: bool) -> str:
    what = _WHAT.get(kind, kind)
    if not existed:
        return f"{what} had no route: they go to the notification channel, pinging nobody."
    return f"{what} go to the notification channel again, pinging nobody."


def reset_with_route_message() -> str:
    return "reset:True clears the route: give it alone, without a channel or a role."


def channel_unusable_message(channel_mention: str, missing: Sequence[str]) -> str:
    return f"Checkback cannot post in {channel_mention}: it lacks {', '.join(missing)} there. Pick another channel or grant them."


def watch_ping_message(account: str, role_id: int) -> str:
    """The line /watch add adds when its new posts ping a role."""
    return f"New posts of @{account} will ping <@&{role_id}>."


def alert_routes_field(routes: Sequence[AlertRoute]) -> dict[str, Any]:
    """The routes in /config show, one line a kind; unrouted kinds go to the notification channel."""
    lines = []
    for r in routes:
        line = f"**{r.alert_kind}** → {_where(r.channel_id)}"
        line += f" · pings <@&{r.ping_role_id}>" if r.ping_role_id else ""
        if r.broken_at is not None:
            line += f"\n⚠️ unusable: {cut(r.broken_reason or 'refused by Discord', 150)}"
        lines.append(line)
    if lines:
        lines.append("Other alerts: the notification channel, no ping.")
    else:
        lines.append("None: every alert goes to the notification channel, pinging nobody (/config alerts).")
    return field("Alert routes", "\n".join(lines), False)


def with_alert_routes(embed: Embed, routes: Sequence[AlertRoute]) -> Embed:
    """The /config show embed with the routes' field added."""
    return {**embed, "fields": [*embed.get("fields", []), alert_routes_field(routes)]}
