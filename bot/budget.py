"""The metrics API's monthly budget as the services see it: calls made so far, and work postponed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from bot.schedule import first_of_next_month
from db import outbox as db_outbox
from db.api_usage import count_calls_in_month


async def calls_this_month(metrics: Any, pool: asyncpg.Pool, now: datetime) -> int:
    """The client's own count when it keeps one (it also knows calls not yet written), else the rows."""
    counter = getattr(metrics, "calls_this_month", None)
    if counter is not None:
        return int(await counter())
    async with pool.acquire() as conn:
        return await count_calls_in_month(conn, now)


async def tell_postponed(
    conn: Any,
    *,
    kind: str,
    per_guild: Mapping[int | None, int],
    unit: str,
    now: datetime,
    budget: int | None,
    used: int | None,
) -> datetime:
    """Tell each guild once a month that its work (`per_guild[guild]` of `unit`) waits for the 1st of
    next month (UTC), when the budget renews; returns that moment."""
    until = first_of_next_month(now)
    month = f"{now:%Y-%m}"
    for gid, count in per_guild.items():
        await db_outbox.enqueue(
            conn,
            kind=kind,
            dedupe_key=f"{kind}:{month}:{db_outbox.guild_key(gid)}",
            guild_id=gid,
            payload={
                "month": month,
                "postponed_until": until.isoformat(),
                "budget": budget,
                "used": used,
                unit: count,
            },
            now=now,
        )
    return until
