"""The metrics API's monthly budget as the services see it: calls made so far this month."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from db.usage import count_calls_in_month


async def calls_this_month(metrics: Any, pool: asyncpg.Pool, now: datetime) -> int:
    """The client's own count when it keeps one (it also knows calls not yet written), else the rows."""
    counter = getattr(metrics, "calls_this_month", None)
    if counter is not None:
        return int(await counter())
    async with pool.acquire() as conn:
        return await count_calls_in_month(conn, now)
