"""The metrics API's monthly budget: one object that knows the limit and the month's calls, and the notice
that postponed work waits for the budget to renew."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

import asyncpg

from bot import notices
from bot.clock import Clock
from bot.errors import QuotaExhausted
from bot.notices import ChecksPostponed, PollsPostponed
from bot.schedule import first_of_next_month
from db import claims as db_claims

log = logging.getLogger(__name__)

MonthReader = Callable[[date], Awaitable[int]]


class CallCount:
    """This UTC month's metrics API calls: as last read (every process's, from Postgres) plus this process's
    calls since. Read again when older than `refresh` seconds or when the month changes.

    The metrics client that makes the calls says where to read (`shared`: the counter every process takes
    its calls from; `stored`: the call log's rows plus those not yet written); with neither, or with the
    database away, this process's own calls are what is known.
    """

    def __init__(self, clock: Clock, *, refresh: float = 60.0) -> None:
        self.clock = clock
        self.refresh = refresh
        self.shared: MonthReader | None = None
        self.stored: MonthReader | None = None
        self._month: date | None = None
        self._base = 0
        self._since = 0
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    def month(self) -> date:
        return self.clock.now().astimezone(UTC).date().replace(day=1)

    def known(self) -> int:
        """The count as last known, without reading (0 when it was known for another month)."""
        return self._base + self._since if self._month == self.month() else 0

    def set(self, month: date, used: int) -> None:
        """Every process's calls in `month` are `used` (as the shared counter just said)."""
        self._month, self._base, self._since = month, used, 0

    def add(self) -> None:
        """One more call by this process."""
        if self._month != self.month():
            self._month, self._base, self._since = self.month(), 0, 0
        self._since += 1

    async def read(self) -> int:
        """The month's calls, read again when stale."""
        month = self.month()
        if self.shared is not None:
            try:
                used = await self.shared(month)
            except Exception as exc:  # the database is away: the last count this process knows
                log.warning("cannot read this month's shared API count (%s)", exc)
            else:
                self.set(month, used)
                self._read_at = time.monotonic()
                return used
        if month != self._month or time.monotonic() - self._read_at >= self.refresh:
            await self._read_stored(month)
        return self._base + self._since

    async def _read_stored(self, month: date) -> None:
        async with self._lock:
            if month == self._month and time.monotonic() - self._read_at < self.refresh:
                return  # another caller read it while this one waited
            if month != self._month:
                self._month, self._base, self._since = month, 0, 0
            self._read_at = time.monotonic()
            if self.stored is None:
                return
            try:
                stored = await self.stored(month)
            except Exception as exc:  # a database outage must not stop API calls; keep counting locally
                log.warning(
                    "cannot read this month's API usage (%s); counting this process's calls only", exc
                )
                return
            # Everything before now is in the new base.
            self._base, self._since = stored, 0


class Budget:
    """The metrics API's monthly call budget (METRICS_API_MONTHLY_BUDGET; `monthly` None: no budget) over
    the month's CallCount. One object: the metrics client takes each call from it (refusing past it), and
    the same object is handed to the services that decide on calls (tracking, the check-back runner, the
    account poller) and to the /usage report.
    """

    def __init__(
        self, monthly: int | None, clock: Clock, *, refresh: float = 60.0, count: CallCount | None = None
    ) -> None:
        self.monthly = monthly
        self.count = count if count is not None else CallCount(clock, refresh=refresh)

    def limited(self, monthly: int | None) -> Budget:
        """The same count under another limit (e.g. a runner that must stop sooner than the client)."""
        return Budget(monthly, self.count.clock, count=self.count)

    async def used(self) -> int:
        """Calls this UTC month, by every process as far as known."""
        return await self.count.read()

    def remaining(self) -> int | None:
        """Calls left this month by the last count (None: no budget)."""
        return None if self.monthly is None else max(0, self.monthly - self.count.known())

    def take(self, endpoint: str) -> None:
        """Count one call against the budget, or raise QuotaExhausted (counting nothing)."""
        used = self.count.known()
        if self.monthly is not None and used >= self.monthly:
            raise self._exhausted(used, endpoint)
        self.count.add()

    def used_up(self, endpoint: str) -> QuotaExhausted:
        """The shared counter refused a call: the month's budget is used up (the count says so too)."""
        budget = self.monthly or 0
        self.count.set(self.count.month(), budget)
        return self._exhausted(budget, endpoint)

    def _exhausted(self, used: int, endpoint: str) -> QuotaExhausted:
        return QuotaExhausted(
            f"{used} of the {self.monthly or 0} calls budgeted for {self.count.month():%B %Y} are used",
            used=used,
            budget=self.monthly or 0,
            endpoint=endpoint,
        )

    async def outlook(self, pool: asyncpg.Pool, now: datetime) -> tuple[int, int]:
        """(calls used this month, checks still promised to tracked posts before it ends): what a new call
        must fit beside."""
        used = await self.used()
        async with pool.acquire() as conn:
            promised = await db_claims.pending_checks_before(conn, first_of_next_month(now))
        return used, promised

    async def tell_postponed(
        self,
        conn: Any,
        what: Literal["checks", "polls"],
        per_guild: Mapping[int | None, int],
        *,
        now: datetime,
        used: int | None,
    ) -> datetime:
        """Tell each guild once a month that its work waits for the 1st of next month (UTC), when the
        budget renews; returns that moment. `what`: check-backs (`per_guild[guild]` posts) or polls of
        watched accounts (`per_guild[guild]` accounts)."""
        until = first_of_next_month(now)
        month = f"{now:%Y-%m}"
        budget = self.monthly
        for gid, count in per_guild.items():
            notice: ChecksPostponed | PollsPostponed = (
                ChecksPostponed(month=month, postponed_until=until, budget=budget, used=used, posts=count)
                if what == "checks"
                else PollsPostponed(
                    month=month, postponed_until=until, budget=budget, used=used, accounts=count
                )
            )
            await notices.tell_guilds(conn, notice, [gid], key=f"{notice.kind}:{month}", now=now)
        return until
