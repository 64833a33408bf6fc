"""SQL about the metrics API's shared rate slots and monthly budget counter (migration 0008)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from db.api_usage import PROVIDER, count_calls_in_month, month_bounds


@dataclass(frozen=True, slots=True)
class Grant:
    """One request's permission: the month's calls counting it, and how long to wait before sending."""

    used: int
    wait: float  # seconds from now (by the database's clock) until the request's slot


async def take_call(
    conn: Any, *, name: str, rate: float, month: date, budget: int | None, provider: str = PROVIDER
) -> Grant | None:
    """Counts one call against `month`'s budget and takes its rate slot; None when the budget is used up
    (nothing counted, no slot taken)."""
    first, _ = month_bounds(month)
    row = await conn.fetchrow(
        "SELECT used, send_at, db_now FROM take_metrics_call($1, $2, $3, $4, $5)",
        name,
        float(rate),
        provider,
        first,
        budget,
    )
    if row is None or row["used"] is None:
        return None
    wait = (row["send_at"] - row["db_now"]).total_seconds()
    return Grant(used=int(row["used"]), wait=max(0.0, wait))


async def pause(conn: Any, name: str, seconds: float) -> None:
    """No slot of `name` before `seconds` from now, for any process (the API asked to back off)."""
    await conn.execute("SELECT pause_rate_slots($1, $2)", name, float(seconds))


async def calls_in_month(conn: Any, month: date, provider: str = PROVIDER) -> int:
    """The month's calls by the shared counter; before its first use there, the recorded usage rows."""
    first, _ = month_bounds(month)
    counted = await conn.fetchval(
        "SELECT calls FROM metrics_budget_months WHERE provider = $1 AND month = $2", provider, first
    )
    if counted is not None:
        return int(counted)
    return await count_calls_in_month(conn, first, provider)
