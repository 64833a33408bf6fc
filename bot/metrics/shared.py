"""The metrics API's rate and monthly budget shared by every process through Postgres (DESIGN.md §9)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from typing import Any

import asyncpg

from db import ratelimit as db_ratelimit
from db.api_usage import PROVIDER
from db.pool import DATABASE_AWAY

log = logging.getLogger(__name__)

# What a database outage looks like from here (db.pool.DATABASE_AWAY): the pool cannot connect, a connection
# broke, or the server is shutting down or starting. That includes asyncpg's InternalClientError ("cannot
# switch to state ...; another operation (2) is in progress"): a pooled connection that got the server's
# shutdown notice while idle is in asyncpg's error state until its socket's end is read, and on a busy
# machine the pool can hand it out (or reset it) first. Any other PostgresError falls back too: a broken
# limiter must not stop the checks.
_OUTAGE = (*DATABASE_AWAY, asyncpg.PostgresError)


@dataclass(frozen=True, slots=True)
class Granted:
    """`used` is the month's calls including this one; None when the database was unreachable and the
    caller must fall back to its own count and bucket."""

    used: int | None


class BudgetUsedUp(Exception):
    """The shared counter refused the call: the month's budget is used up."""


@dataclass(eq=False)
class SharedLimits:
    """Hands out send times and budgeted calls from one row each in Postgres, for every process together.

    Within the process, callers queue on a FIFO lock and only the one at its head holds a slot: it asks the
    database for its slot, sleeps until it, and lets the next one ask. So the process never holds more
    than one future slot, and a stalled event loop releases at most one overdue request (a process that
    reserved many slots ahead would send them all at once after a stall). The database hands the slots
    out 1/rate apart to whoever asks, so N processes together stay within the rate; each one's
    round trip overlaps the previous request's wait, so one process alone still uses the rate fully.

    When the database cannot be reached, `acquire` returns Granted(None) and the caller paces itself
    with its own token bucket and counts the budget locally, as a single process would: an outage of
    Postgres must not also stop the API calls of the checks in flight.
    """

    pool: Any
    _: KW_ONLY
    rate: float
    budget: int | None = None
    name: str = PROVIDER
    provider: str = PROVIDER
    acquire_timeout: float = 5.0
    granted: int = field(default=0, init=False)
    fallbacks: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        self._lock = asyncio.Lock()
        self._warned_at = float("-inf")

    async def acquire(self, month: date) -> Granted:
        """Count one call in `month` and wait for its slot; BudgetUsedUp when the budget is used up."""
        async with self._lock:
            try:
                async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
                    grant = await db_ratelimit.take_call(
                        conn,
                        name=self.name,
                        rate=self.rate,
                        month=month,
                        budget=self.budget,
                        provider=self.provider,
                    )
            except _OUTAGE as exc:
                self._outage(exc)
                return Granted(None)
            if grant is None:
                raise BudgetUsedUp
            if grant.wait > 0:
                await asyncio.sleep(grant.wait)
            self.granted += 1
            return Granted(grant.used)

    async def pause(self, seconds: float) -> None:
        """Every process backs off for `seconds` (Retry-After); best effort when the database is away."""
        try:
            async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
                await db_ratelimit.pause(conn, self.name, seconds)
        except _OUTAGE as exc:
            self._outage(exc)

    async def calls_in_month(self, month: date) -> int:
        async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
            return await db_ratelimit.calls_in_month(conn, month, self.provider)

    def _outage(self, exc: BaseException) -> None:
        self.fallbacks += 1
        # One warning a minute: every call fails the same way during an outage.
        if time.monotonic() - self._warned_at >= 60:
            self._warned_at = time.monotonic()
            log.warning(
                "shared API rate slots unavailable (%s: %s); pacing this process on its own",
                type(exc).__name__,
                exc,
            )
