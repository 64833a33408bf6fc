"""Degrade gracefully: when the month's plan (bot/budget_plan.py) needs more calls than are left, shed the
least valuable planned calls first, tell each channel once what was dropped, and alert at 80% and 100% of
the month's budget (once each).

The shedding order (README "The API budget"):

1. Polls of accounts that rarely post: the poll backoff's cap goes from 6 hours to 24 (STRETCHED_INTERVAL);
   accounts polled in their likely windows keep their pace.
2. Check-backs 2 days or more after publishing (SHEDDABLE_FROM) of the slowest-growing posts ("slow":
   under 50 views an hour since publishing), the latest offset first (30d, then 14d, 7d, 3d, 2d).
3. The same of "steady" posts (under 1,000 views an hour), then of "fast" ones.

Nothing of a post's first SHEDDABLE_FROM is ever dropped, and a reserve (NEW_POST_RESERVE) is kept so a
new post can still be tracked.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg

from bot import notices
from bot.budget import Budget
from bot.budget_plan import MonthPlan, month_plan, planned_polls
from bot.clock import Clock
from bot.notices import BudgetAlert, ChecksDropped
from bot.poll_schedule import MAX_INTERVAL
from bot.schedule import first_of_next_month
from db import budget_plan as db_plan

log = logging.getLogger(__name__)

SHEDDABLE_FROM = timedelta(days=2)
STRETCHED_INTERVAL = timedelta(hours=24)
# Value classes by views per hour since publishing, least valuable first.
VALUE_CLASSES: tuple[tuple[str, float], ...] = (("slow", 50.0), ("steady", 1000.0), ("fast", float("inf")))
# Kept free of planned calls: a new post's first snapshot and its first checks.
NEW_POST_RESERVE = 10
ALERT_LEVELS = (80, 100)


def value_class(views_per_hour: float | None) -> str:
    """A post's value class by its views per hour (unknown: the least valuable)."""
    for name, below in VALUE_CLASSES:
        if views_per_hour is None or views_per_hour < below:
            return name
    return VALUE_CLASSES[-1][0]


def shedding_order(checks: list[db_plan.PlannedCheck]) -> list[db_plan.PlannedCheck]:
    """The sheddable checks, least valuable first: by value class, then the latest offset first."""
    rank = {name: i for i, (name, _) in enumerate(VALUE_CLASSES)}
    sheddable = [c for c in checks if c.offset is not None and c.offset >= SHEDDABLE_FROM]
    return sorted(
        sheddable,
        key=lambda c: (
            rank[value_class(c.views_per_hour)],
            -(c.offset or timedelta(0)),
            c.views_per_hour or 0,
        ),
    )


class PollPace(Protocol):
    max_interval: timedelta


@dataclass
class ShedReport:
    plan: MonthPlan
    dropped: dict[str, int] = field(default_factory=dict)
    polls_stretched: bool = False
    alerts: list[int] = field(default_factory=list)

    @property
    def checks_dropped(self) -> int:
        return sum(self.dropped.values())


class BudgetKeeper:
    """Runs from the scheduler (and the bench): alerts, then sheds until the plan fits what is left."""

    def __init__(
        self, pool: asyncpg.Pool, budget: Budget, clock: Clock, *, poller: PollPace | None = None
    ) -> None:
        self.pool = pool
        self.budget = budget
        self.clock = clock
        self.poller = poller

    async def run(self) -> ShedReport:
        now = self.clock.now()
        plan = await month_plan(self.pool, self.budget, now)
        report = ShedReport(plan)
        if plan.budget is None:
            return report
        report.alerts = await self._alert(plan, now)
        left = plan.left or 0
        target = max(0, left - min(NEW_POST_RESERVE, plan.budget // 20))
        excess = plan.planned - target
        if excess <= 0:
            return report
        if self.poller is not None and self.poller.max_interval < STRETCHED_INTERVAL:
            self.poller.max_interval = STRETCHED_INTERVAL
            report.polls_stretched = True
            async with self.pool.acquire() as conn:
                paces = await db_plan.watch_paces(conn)
            stretched = [
                db_plan.WatchPace(w.account_id, w.next_poll_at, STRETCHED_INTERVAL)
                if w.interval is None or w.interval >= MAX_INTERVAL
                else w
                for w in paces
            ]
            excess -= plan.planned_polls - planned_polls(stretched, now, plan.renews)
        if excess > 0:
            report.dropped = await self._drop_checks(excess, now)
        if report.checks_dropped or report.polls_stretched:
            await self._tell(plan, report, now)
            log.warning(
                "API budget: plan %d > %d left; dropped %s checks, polls stretched: %s",
                plan.planned,
                left,
                report.dropped,
                report.polls_stretched,
            )
        return report

    async def _drop_checks(self, excess: int, now: datetime) -> dict[str, int]:
        async with self.pool.acquire() as conn:
            checks = await db_plan.planned_checks(conn, now, first_of_next_month(now))
        by_post: dict[int, list[datetime]] = defaultdict(list)
        klass: dict[int, str] = {}
        for check in shedding_order(checks)[:excess]:
            by_post[check.post_id].append(check.due_at)
            klass[check.post_id] = value_class(check.views_per_hour)
        dropped: dict[str, int] = defaultdict(int)
        for post_id, due in by_post.items():
            async with self.pool.acquire() as conn, conn.transaction():
                n = await db_plan.drop_checks(conn, post_id, due, value_class=klass[post_id], now=now)
            dropped[klass[post_id]] += n
        return dict(dropped)

    async def _alert(self, plan: MonthPlan, now: datetime) -> list[int]:
        assert plan.budget is not None
        month = f"{now:%Y-%m}"
        raised = []
        async with self.pool.acquire() as conn:
            guilds = await db_plan.guilds_in_use(conn) or [None]
            for level in ALERT_LEVELS:
                if plan.used * 100 < plan.budget * level:
                    continue
                notice = BudgetAlert(
                    month=month,
                    level=level,
                    used=plan.used,
                    budget=plan.budget,
                    renews=plan.renews,
                    run_out=plan.forecast.run_out,
                )
                if await notices.tell_guilds(
                    conn, notice, guilds, key=f"budget_alert:{month}:{level}", now=now
                ):
                    raised.append(level)
        return raised

    async def _tell(self, plan: MonthPlan, report: ShedReport, now: datetime) -> None:
        month = f"{now:%Y-%m}"
        notice = ChecksDropped(
            month=month,
            checks=report.checks_dropped,
            by_class=report.dropped,
            polls_stretched=report.polls_stretched,
            budget=plan.budget,
            left=plan.left,
            renews=plan.renews,
        )
        async with self.pool.acquire() as conn:
            guilds = await db_plan.guilds_in_use(conn) or [None]
            await notices.tell_guilds(conn, notice, guilds, key=f"checks_dropped:{month}", now=now)
