"""The month's API plan: what is spent (today, this month, per day), what is planned for the rest of the
month (check-backs of tracked posts, polls of watched accounts at their current intervals), the pace, and
the day the budget runs out at that pace. Read by /usage, `python -m bot usage` and the shedding keeper."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from bot.budget import Budget
from bot.poll_schedule import MAX_INTERVAL
from bot.schedule import first_of_next_month
from db import api_usage as db_api_usage
from db import budget_plan as db_plan

# A poll costs its profile call, and a posts call when the profile shows a new video: about this many on
# average (a posts call every few polls of an active account).
CALLS_PER_POLL_PLANNED = 1.2


@dataclass(frozen=True, slots=True)
class Forecast:
    """The pace of the month so far and where it leads."""

    pace: float  # calls per day so far this month
    run_out: date | None  # the day the budget is used up at this pace; None: it lasts the month


def forecast(daily: Mapping[date, int], now: datetime, budget: int | None) -> Forecast:
    """The month's calls per day so far (today counted as the part of it gone) and the day the budget runs
    out at that pace (None: it lasts the month, or there is no budget)."""
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    days = max((now - start) / timedelta(days=1), 1 / 24)  # never divide by a few seconds
    used = sum(daily.values())
    pace = used / days
    if budget is None:
        return Forecast(pace, None)
    if used >= budget:
        return Forecast(pace, now.date())
    if pace <= 0:
        return Forecast(pace, None)
    end = now + timedelta(days=(budget - used) / pace)
    return Forecast(pace, end.date() if end < first_of_next_month(now) else None)


@dataclass(frozen=True, slots=True)
class MonthPlan:
    now: datetime
    budget: int | None
    used: int
    today: int
    daily: dict[date, int]
    planned_checks: int
    planned_polls: int
    forecast: Forecast

    @property
    def planned(self) -> int:
        return self.planned_checks + self.planned_polls

    @property
    def left(self) -> int | None:
        return None if self.budget is None else max(0, self.budget - self.used)

    @property
    def shortfall(self) -> int:
        """Planned calls the rest of the month cannot afford (0: the plan fits)."""
        return 0 if self.left is None else max(0, self.planned - self.left)

    @property
    def renews(self) -> datetime:
        return first_of_next_month(self.now)


def planned_polls(paces: list[db_plan.WatchPace], now: datetime, until: datetime) -> int:
    """Calls of the watches' polls before `until`, each at the interval it was last given."""
    calls = 0.0
    for w in paces:
        start = max(w.next_poll_at, now)
        if start >= until:
            continue
        interval = w.interval if w.interval and w.interval > timedelta(0) else MAX_INTERVAL
        calls += (1 + (until - start) // interval) * CALLS_PER_POLL_PLANNED
    return math.ceil(calls)


async def month_plan(pool: asyncpg.Pool, budget: Budget, now: datetime) -> MonthPlan:
    until = first_of_next_month(now)
    async with pool.acquire() as conn:
        daily = await db_plan.daily_calls(conn, now)
        checks = len(await db_plan.planned_checks(conn, now, until))
        paces = await db_plan.watch_paces(conn)
        last_day, first_call = await db_plan.poll_calls_since(conn, now - timedelta(days=1))
    polls = planned_polls(paces, now, until)
    if paces and first_call is not None and first_call <= now - timedelta(days=1):
        # A day of polling is known: the polls' own pace (likely windows and backoff averaged over the day)
        # says more than each watch's interval of the moment (15 minutes inside a window).
        polls = math.ceil(last_day * (until - now) / timedelta(days=1))
    used = max(sum(daily.values()), budget.count.known())
    return MonthPlan(
        now=now,
        budget=budget.monthly,
        used=used,
        today=daily.get(db_api_usage.as_utc_date(now), 0),
        daily=daily,
        planned_checks=checks,
        planned_polls=polls,
        forecast=forecast(daily, now, budget.monthly),
    )
