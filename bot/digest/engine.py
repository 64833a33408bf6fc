"""The digest engine: at each guild's digest instant, one digest for the period that just ended, through the
outbox.

Order of work, for each guild whose period ended and is not yet sent:
1. read what the period holds and draw its chart (outside any transaction: drawing takes tens of ms);
2. in one transaction, move the guild's `last_period_start` forward to the period's start, only if it is
   earlier (`claim_period`), and write the outbox row with the chart attached (outbox_files).
Two workers that build the same period race at step 2: the row lock makes the second wait and then find
the period claimed, so it writes nothing; the dedupe key (guild and period) is a second guard. A crash
before step 2 leaves the period due, and the next run sends it. After downtime over several periods, only
the latest period is due (bot/digest/periods.py): one digest, not one per missed period.
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from bot import notices
from bot.charts.digest import DIGEST_CHART
from bot.clock import Clock
from bot.digest.periods import DigestTimes, Period
from bot.digest.service import DigestService, times_of
from db import digests as db_digests
from db.digests import DigestSetting

log = logging.getLogger(__name__)


class DigestEngine:
    """Sends due digests (`run_due`) and tells when the next is due (`next_due_at`), on the injected clock."""

    def __init__(self, pool: asyncpg.Pool, clock: Clock, service: DigestService) -> None:
        self.pool = pool
        self.clock = clock
        self.service = service
        self.runs = 0  # runs finished: what a test waits on instead of sleeping

    async def _settings(self) -> list[DigestSetting]:
        async with self.pool.acquire() as conn:
            return await db_digests.all_settings(conn)

    async def next_due_at(self) -> datetime | None:
        """The soonest instant a digest is due (in the past when one is due now); None: no digest set."""
        now = self.clock.now()
        times = [times_of(s).next_due(now, s.last_period_start) for s in await self._settings()]
        return min(times, default=None)

    async def run_due(self) -> int:
        """Enqueues every digest due now; how many were written."""
        now = self.clock.now()
        written = 0
        for setting in await self._settings():
            times = times_of(setting)
            period = times.due(now, setting.last_period_start)
            if period is not None:
                written += await self._send(setting, times, period, now)
        self.runs += 1
        return written

    async def _send(self, setting: DigestSetting, times: DigestTimes, period: Period, now: datetime) -> int:
        guild_id = setting.guild_id
        async with self.pool.acquire() as conn:
            digest = await self.service.build(conn, guild_id, period, times)
        png = await digest.chart_png()
        async with self.pool.acquire() as conn, conn.transaction():
            if not await db_digests.claim_period(conn, guild_id, period.start, setting.channel_id):
                return 0
            written = await notices.enqueue(
                conn,
                digest.notice,
                dedupe_key=f"digest:{guild_id}:{period.start.isoformat()}",
                now=now,
                guild_id=guild_id,
                channel_id=setting.channel_id,
                files=[(DIGEST_CHART, png)],
            )
        if written:
            log.info("digest of guild %s for %s – %s enqueued", guild_id, period.start, period.end)
        return int(written)
