"""Every APScheduler job, registered here: the check-back tick and the wake-up at the next due check, the
account polls' tick, the outbox tick, the budget's tick and the digests' tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.checkbacks import CheckbackRunner, RunReport
from bot.clock import Clock
from bot.digest import DigestEngine
from bot.notifications import OutboxDispatcher
from bot.polling import AccountPoller
from bot.shedding import BudgetKeeper
from db.pool import DATABASE_AWAY

log = logging.getLogger(__name__)
T = TypeVar("T")

CHECKS_TICK = "checkbacks-tick"
CHECKS_WAKE = "checkbacks-due"
OUTBOX_TICK = "outbox-tick"
POLLS_TICK = "watches-tick"
BUDGET_TICK = "budget-tick"
DIGEST_TICK = "digests-tick"


@dataclass(eq=False)
class Scheduler:
    """Drives the check-back runner, the account poller and the outbox dispatcher; Postgres holds the
    schedules, this only wakes up on time (RoboDanny's durable-timer shape: sleep until the soonest due
    time, woken early by a sooner one).

    `tick_seconds`: the interval jobs of the checks and of the polls, the safety net (posts due while another process held them, backoffs
    ending). The date job fires at the next due check, re-armed after every run and by `wake_at` (called
    when a post is tracked). Times are on the injected clock, taken as running at wall-clock pace. (The
    sandbox runs without this class: its TimeKeeper moves a ManualClock and runs what falls due.)
    """

    runner: CheckbackRunner
    clock: Clock
    dispatcher: OutboxDispatcher | None = None
    _: KW_ONLY
    polling: AccountPoller | None = None
    keeper: BudgetKeeper | None = None
    digests: DigestEngine | None = None  # each guild's digest at its time (a tick: due within tick_seconds)
    budget_seconds: float = 300.0
    tick_seconds: float = 5.0
    outbox_seconds: float = 2.0
    scheduler: AsyncIOScheduler = field(default_factory=lambda: AsyncIOScheduler(timezone=UTC))
    runs: int = field(default=0, init=False)  # check-back runs done

    def __post_init__(self) -> None:
        self._checks_lock = asyncio.Lock()
        self._outbox_lock = asyncio.Lock()
        self._polls_lock = asyncio.Lock()
        self._budget_lock = asyncio.Lock()
        self._digest_lock = asyncio.Lock()
        self._stopped = False
        self._armed_for: datetime | None = None

    def start(self) -> None:
        """Adds the jobs and starts APScheduler (inside the running event loop; e.g. from setup_hook)."""
        self._every(self.run_checks, CHECKS_TICK, self.tick_seconds, now=True)
        if self.polling is not None:
            self._every(self.run_polls, POLLS_TICK, self.tick_seconds, now=True)
        if self.dispatcher is not None:
            self._every(self.run_outbox, OUTBOX_TICK, self.outbox_seconds)
        if self.keeper is not None and self.keeper.budget.monthly is not None:
            self._every(self.run_budget, BUDGET_TICK, self.budget_seconds, now=True)
        if self.digests is not None:
            self._every(self.run_digests, DIGEST_TICK, self.tick_seconds, now=True)
        if not self.scheduler.running:
            self.scheduler.start()

    def _every(
        self, job: Callable[[], Awaitable[None]], job_id: str, seconds: float, *, now: bool = False
    ) -> None:
        """An interval job, one run at a time; missed runs fold into one (`now`: the first run at once)."""
        self.scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **({"next_run_time": datetime.now(UTC)} if now else {}),
        )

    async def shutdown(self) -> None:
        """Stops the jobs and waits for a run in progress (a check or poll half-done is left to its lease)."""
        self._stopped = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        async with (
            self._checks_lock,
            self._polls_lock,
            self._outbox_lock,
            self._budget_lock,
            self._digest_lock,
        ):
            pass

    def wake_at(self, when: datetime) -> None:
        """Make sure a check run happens at `when` (clock time): re-arms the date job if that is sooner."""
        if self._armed_for is not None and self._armed_for <= when and self.scheduler.get_job(CHECKS_WAKE):
            return
        self._arm(when)

    def _arm(self, when: datetime | None) -> None:
        self._armed_for = when
        if when is None:
            if self.scheduler.get_job(CHECKS_WAKE):
                self.scheduler.remove_job(CHECKS_WAKE)
            return
        delay = (when - self.clock.now()).total_seconds()
        run_at = datetime.now(UTC) + timedelta(seconds=max(0.0, delay) + 0.05)
        self.scheduler.add_job(
            self.run_checks,
            "date",
            run_date=run_at,
            id=CHECKS_WAKE,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def run_checks(self) -> None:
        """One run of the runner (skipped if one is going on), then the date job re-armed."""
        if self._checks_lock.locked():
            return
        async with self._checks_lock:
            ran = await _guarded(self._checks_and_next, "check-back run")
            if ran is None:
                return
            report, nxt = ran
            self._arm(nxt)
        if self.dispatcher is not None and report.outcomes:
            await self.run_outbox()

    async def _checks_and_next(self) -> tuple[RunReport, datetime | None]:
        report = await self.runner.run_once()
        self.runs += 1
        if report.outcomes:
            log.info(
                "check-backs: %d recorded, %d retried, %d postponed, %d stopped",
                report.recorded,
                report.count("retry"),
                report.count("postponed"),
                report.count("unavailable") + report.count("failing"),
            )
        return report, await self.runner.next_due_at()

    async def run_outbox(self) -> None:
        if self.dispatcher is None or self._outbox_lock.locked():
            return
        async with self._outbox_lock:
            await _guarded(self.dispatcher.run_once, "outbox dispatch")

    async def run_polls(self) -> None:
        """One run of the due account polls (skipped while one is going on); failures are logged."""
        if self.polling is None or self._stopped or self._polls_lock.locked():
            return
        async with self._polls_lock:
            report = await _guarded(self.polling.run_due, "account polls")
        if report is not None and report.outcomes:
            log.info(
                "account polls: %d polled, %d new posts announced, %d retried, %d postponed, %d stopped",
                report.count("polled") + report.count("baseline"),
                report.announced,
                report.count("retry"),
                report.count("postponed"),
                report.count("stopped"),
            )

    async def run_digests(self) -> None:
        """Enqueues the digests due now (bot/digest/engine.py), then sends them."""
        if self.digests is None or self._stopped or self._digest_lock.locked():
            return
        async with self._digest_lock:
            written = await _guarded(self.digests.run_due, "digests")
        if written:
            await self.run_outbox()

    async def run_budget(self) -> None:
        """The month's plan against the budget: alerts at 80% and 100%, shedding when it does not fit
        (bot/shedding.py)."""
        if self.keeper is None or self._stopped or self._budget_lock.locked():
            return
        async with self._budget_lock:
            await _guarded(self.keeper.run, "the API budget's plan")


async def _guarded(step: Callable[[], Awaitable[T]], what: str) -> T | None:
    """The step's answer, or None when it failed: a job's failure is logged, never raised (the next tick
    tries again; the schedules are in Postgres). A database that is away is an outage, not a bug: one line."""
    try:
        return await step()
    except DATABASE_AWAY as exc:
        log.warning("%s stopped: the database is away (%s)", what, _first_line(exc))
    except Exception:
        log.exception("%s failed", what)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:200]}" if text else type(exc).__name__
