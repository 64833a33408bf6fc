"""Where each outbox row goes and whom it pings, for the dispatcher (bot/notifications.py).

A row goes to its own channel (a watch's `/watch add channel:`), else its alert kind's route in its guild
(`/config alerts`; a row of no guild, such as a cap alert, follows the route of a team server), else its
guild's notification channel, else NOTIFY_CHANNEL_ID; with none of them it is dropped. It pings its route's
role and, for a watched account's new post, the watch's role, wherever it goes; nothing else.

A channel Discord refuses marks the setting that chose it broken (the route, or the guild's channel), and
the guild is told once; the rows wait for an admin to choose another (`mark_broken`), so none is lost.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import notices
from bot.alert_routes import alert_kind
from bot.notices import ChannelBrokenNotice, NewPostNotice, Notice
from db import alert_routes as db_routes
from db import guilds as db_guilds
from db.alert_routes import AlertRoute
from db.outbox import OutboxRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Destination:
    """One row's channel and the roles it pings. `guild_id` and `alert_kind` name the setting that chose
    the channel, to mark broken if Discord refuses it: the guild's route of `alert_kind`, or (alert_kind
    None) the guild's notification channel; guild_id None for a row's own channel."""

    channel_id: int
    roles: tuple[int, ...] = ()
    guild_id: int | None = None
    alert_kind: str | None = None


Routed = tuple[OutboxRow, Destination]


@dataclass
class RoutePlan:
    by_channel: dict[int, list[Routed]] = field(default_factory=lambda: defaultdict(list))
    waiting: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # why → row ids
    nowhere: list[int] = field(default_factory=list)


async def plan(
    conn: Any,
    rows: Sequence[tuple[OutboxRow, Notice]],
    *,
    default_channel_id: int | None,
    team_guilds: Collection[int] | None = None,
) -> RoutePlan:
    """Each row's destination; rows whose setting is marked broken wait, rows with nowhere to go are
    dropped. `team_guilds` (TEAM_GUILD_IDS): whose routes a row of no guild may follow (None: any)."""
    guild_ids = sorted({r.guild_id for r, _ in rows if r.guild_id is not None})
    settings = await db_guilds.channels_for(conn, guild_ids) if guild_ids else {}
    routes = {(r.guild_id, r.alert_kind): r for r in await db_routes.routes_of(conn, guild_ids)}
    team_routes = await _team_routes(conn, rows, team_guilds)
    watched = [(r.guild_id, n.account) for r, n in rows if isinstance(n, NewPostNotice) and r.guild_id]
    watch_roles = (
        await db_routes.watch_pings(conn, [g for g, _ in watched], [a for _, a in watched]) if watched else {}
    )
    out = RoutePlan()
    for row, notice in rows:
        kind = alert_kind(row.kind)
        route: AlertRoute | None = None
        if kind is not None:
            route = routes.get((row.guild_id, kind)) if row.guild_id is not None else team_routes.get(kind)
        pings = [route.ping_role_id] if route is not None and route.ping_role_id else []
        if isinstance(notice, NewPostNotice) and row.guild_id is not None:
            pings.append(watch_roles.get((row.guild_id, notice.account), 0))
        roles = tuple(dict.fromkeys(r for r in pings if r))
        guild = settings.get(row.guild_id) if row.guild_id is not None else None
        if row.channel_id is not None:
            out.by_channel[row.channel_id].append((row, Destination(row.channel_id, roles)))
        elif route is not None and route.channel_id is not None:
            if route.broken_at is not None:
                out.waiting[f"the {route.alert_kind} alerts' channel is marked broken"].append(row.id)
            else:
                dest = Destination(route.channel_id, roles, route.guild_id, route.alert_kind)
                out.by_channel[route.channel_id].append((row, dest))
        elif guild is not None and guild.notify_channel_id is not None:
            if guild.channel_broken_at is not None:
                out.waiting["the guild's channel is marked broken"].append(row.id)
            else:
                dest = Destination(guild.notify_channel_id, roles, row.guild_id)
                out.by_channel[guild.notify_channel_id].append((row, dest))
        elif default_channel_id is not None:
            out.by_channel[default_channel_id].append(
                (row, Destination(default_channel_id, roles, row.guild_id))
            )
        else:
            out.nowhere.append(row.id)
    return out


async def _team_routes(
    conn: Any, rows: Sequence[tuple[OutboxRow, Notice]], team_guilds: Collection[int] | None
) -> dict[str, AlertRoute]:
    """For rows of no guild: each kind's route in a team server (the oldest, if several set one)."""
    kinds = {alert_kind(r.kind) for r, _ in rows if r.guild_id is None} - {None}
    found: dict[str, AlertRoute] = {}
    if kinds:
        for route in await db_routes.routes_of_kinds(conn, kinds):  # type: ignore[arg-type]
            if team_guilds is None or route.guild_id in team_guilds:
                found.setdefault(route.alert_kind, route)
    return found


async def mark_broken(
    conn: Any, channel_id: int, routed: Sequence[Routed], error: str, now: datetime, *, tell: int | None
) -> bool:
    """Discord refused `channel_id`: marks the settings that chose it for these rows broken (the routes,
    the guilds' channels) and tells each guild once through the channel `tell` (NOTIFY_CHANNEL_ID; None:
    the log only). False when no setting chose it (a row's own channel)."""
    chosen = sorted({(d.guild_id, d.alert_kind or "") for _, d in routed if d.guild_id is not None})
    for gid, kind in chosen:
        if kind:
            newly = await db_routes.mark_broken(conn, gid, kind, error, now)
        else:
            newly = await db_guilds.mark_channel_broken(conn, gid, error, now)
        if not newly:
            continue
        what = f"{kind} alerts' channel" if kind else "notification channel"
        log.warning("guild %s: %s %s is broken (%s)", gid, what, channel_id, error)
        if tell is not None and tell != channel_id:
            await notices.enqueue(
                conn,
                ChannelBrokenNotice(
                    guild_id=gid, channel_id=channel_id, reason=error, at=now, alert_kind=kind or None
                ),
                dedupe_key=f"channel_broken:{gid}:{channel_id}:{now:%Y-%m-%d}" + (f":{kind}" if kind else ""),
                channel_id=tell,
                now=now,
            )
    return bool(chosen)
