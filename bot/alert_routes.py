"""Alert routes: the channel each kind of alert goes to in a guild and the role it pings (`/config alerts`),
and which outbox notices belong to which kind.

The only pings the bot makes are these roles (and a watched account's role, `/watch add ping:`): a route
without a role pings nobody, and a message pings exactly the roles of the notices in it.
"""

from __future__ import annotations

from typing import Literal, get_args

import asyncpg

from bot.clock import Clock
from bot.errors import InvalidInput
from db import alert_routes as db_routes
from db.alert_routes import AlertRoute

__all__ = ["ALERT_KINDS", "AlertKind", "AlertRoute", "AlertRouteService", "alert_kind", "check_ping_role"]

AlertKind = Literal["checkback", "milestone", "viral", "new_post", "cap", "budget"]
ALERT_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)

# Each outbox notice kind (bot/notices.py) and the alert kind whose route it follows. A post's end of
# tracking goes with its check-backs, a watch's end with its new posts, every budget notice with budget.
NOTICE_ALERT_KINDS: dict[str, AlertKind] = {
    "checkback": "checkback",
    "untracked": "checkback",
    "failing": "checkback",
    "comment_questions": "checkback",  # questions found in a post's comments at its check-back
    "milestone": "milestone",
    "viral": "viral",
    "new_post": "new_post",
    "watch_stopped": "new_post",
    "cap_alert": "cap",
    "budget": "budget",
    "watch_budget": "budget",
    "budget_alert": "budget",
    "checks_dropped": "budget",
}
# Notices that follow no route: a broken channel is told where NOTIFY_CHANNEL_ID points, a digest goes to
# the channel of /config digest.
UNROUTED_NOTICES = frozenset({"channel_broken", "digest"})


def alert_kind(notice_kind: str) -> AlertKind | None:
    """The alert kind whose route a notice of `notice_kind` follows (None: the guild's channel)."""
    return NOTICE_ALERT_KINDS.get(notice_kind)


class AlertRouteService:
    """Sets, clears and lists a guild's alert routes. Bad input changes nothing."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock

    async def set(
        self, guild_id: int, kind: str, *, channel_id: int | None, role_id: int | None
    ) -> AlertRoute:
        """Routes `kind` to `channel_id` (None: the guild's channel) pinging `role_id` (None: nobody);
        replaces the kind's route, and clears its broken mark."""
        checked = _kind(kind)
        if channel_id is None and role_id is None:
            raise InvalidInput(
                f"Name a channel or a role to ping for {checked} alerts, or reset:True to clear the route."
            )
        check_ping_role(guild_id, role_id)
        async with self.pool.acquire() as conn:
            return await db_routes.set_route(conn, guild_id, checked, channel_id, role_id, self.clock.now())

    async def reset(self, guild_id: int, kind: str) -> bool:
        """Clears the kind's route: its alerts go to the guild's channel again, pinging nobody. False when
        there was none."""
        async with self.pool.acquire() as conn:
            return await db_routes.delete_route(conn, guild_id, _kind(kind))

    async def routes(self, guild_id: int) -> list[AlertRoute]:
        async with self.pool.acquire() as conn:
            found = await db_routes.routes_of(conn, [guild_id])
        return sorted(found, key=lambda r: ALERT_KINDS.index(r.alert_kind))  # type: ignore[arg-type]


def check_ping_role(guild_id: int | None, role_id: int | None) -> None:
    """InvalidInput for @everyone (whose id is the guild's): the bot pings chosen roles only."""
    if role_id is not None and role_id == guild_id:
        raise InvalidInput("Checkback never pings @everyone: pick a role of the people to alert.")


def _kind(kind: str) -> AlertKind:
    if kind not in ALERT_KINDS:
        raise InvalidInput(f"{kind!r} is not a kind of alert: one of {', '.join(ALERT_KINDS)}.")
    return kind  # type: ignore[return-value]
