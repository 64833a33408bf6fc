"""Metrics API usage for /usage: calls today and this month against the budget, errors, latency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from bot.budget import Budget
from bot.budget_plan import MonthPlan, month_plan
from bot.clock import Clock
from bot.metrics.call_log import UsageRecorder
from db import api_usage as db_api_usage
from db.api_usage import UsageSummary


@dataclass(frozen=True, slots=True)
class UsageReport:
    day: date
    month: date
    summary: UsageSummary
    monthly_budget: int | None
    plan: MonthPlan | None = None

    @property
    def budget_left(self) -> int | None:
        if self.monthly_budget is None:
            return None
        return max(0, self.monthly_budget - self.summary.calls_month)

    @property
    def budget_used(self) -> float | None:
        """The month's calls as a fraction of the budget (None: no budget)."""
        if not self.monthly_budget:
            return None
        return self.summary.calls_month / self.monthly_budget


class UsageService:
    """Reads api_usage_tracking. `recorder`, when given, is flushed first, so calls made a moment ago
    (still queued in memory) are counted too."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        clock: Clock,
        *,
        budget: Budget | None = None,
        recorder: UsageRecorder | None = None,
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.budget = budget if budget is not None else Budget(None, clock)  # None: no budget
        self.recorder = recorder

    async def report(self) -> UsageReport:
        if self.recorder is not None:
            await self.recorder.flush()
        now = self.clock.now()
        async with self.pool.acquire() as conn:
            summary = await db_api_usage.usage_summary(conn, now, now)
        day = db_api_usage.as_utc_date(now)
        return UsageReport(
            day=day,
            month=day.replace(day=1),
            summary=summary,
            monthly_budget=self.budget.monthly,
            plan=await month_plan(self.pool, self.budget, now),
        )
