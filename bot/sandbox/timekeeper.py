"""The sandbox's time: a ScaledClock moved on by hand (/wait, a script's end) or paced as it runs, stopping
at every check-back due on the way so each runs at its instant and its notifications are sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from bot.clock import ScaledClock
from bot.sandbox.stack import Stack

log = logging.getLogger(__name__)

DRAIN_TIMEOUT = 30.0  # wall seconds a script waits for the last notifications to reach the channel
HORIZON = timedelta(days=400)  # a script never fast-forwards further than this (a schedule that never ends)


class TimeKeeper:
    """Moves the sandbox clock and runs what falls due, with the clock held at each due instant."""

    def __init__(self, stack: Stack, clock: ScaledClock) -> None:
        self.stack = stack
        self.clock = clock
        self._lock = asyncio.Lock()
        self._pacer: asyncio.Task[None] | None = None

    @property
    def tracking(self) -> Any:
        return self.stack.bot.services.tracking

    async def advance(self, delta: timedelta) -> None:
        """Move the clock `delta` ahead, stopping at every check-back due on the way so each runs on time."""
        until = self.clock.now() + delta
        while await self._step(until):
            pass
        async with self._lock:
            self.clock.jump(until - self.clock.now())
        await self.drain()

    async def settle(self, limit: timedelta | None = None) -> bool:
        """Fast-forward check-back by check-back until no post has one left (or `limit` has passed);
        False when the horizon was reached with checks still scheduled."""
        until = self.clock.now() + (limit or HORIZON)
        while await self._step(until):
            pass
        if limit is not None:
            async with self._lock:
                self.clock.jump(until - self.clock.now())
        await self.drain()
        return limit is not None or await self.tracking.next_check_in() is None

    async def _step(self, until: datetime | None) -> bool:
        """Jump to the next due check-back (if it falls before `until`), run it and send its notifications
        with the clock held at that instant. False when there was none to run."""
        async with self._lock:
            self.clock.hold()
            try:
                nxt = await self.tracking.next_check_in()
                if nxt is None or (until is not None and self.clock.now() + nxt > until):
                    return False
                self.clock.jump(nxt)
                await self._run_due()
                return True
            finally:
                self.clock.release()

    async def _run_due(self) -> None:
        scheduler = self.stack.bot.services.scheduler
        if scheduler is None:
            return
        for _ in range(100):
            await scheduler.run_checks()  # returns at once when the scheduler's own tick is running
            nxt = await self.tracking.next_check_in()
            if nxt is None or nxt > timedelta(0):
                break
            await asyncio.sleep(0.02)
        await scheduler.run_outbox()

    async def drain(self, patience: float = DRAIN_TIMEOUT) -> bool:
        """Wait until every notification written so far reached the channel (False: some did not)."""
        from db.outbox import count_pending

        scheduler = self.stack.bot.services.scheduler
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            async with self.stack.runtime.pool.acquire() as conn:
                if await count_pending(conn) == 0:
                    return True
            if scheduler is not None:
                await scheduler.run_outbox()
            await asyncio.sleep(0.05)
        return False

    def start_pacing(self) -> None:
        """Run due check-backs on time as the sandbox clock runs (the scheduler alone would be a little
        late at high speed, and every update would say so)."""
        if self._pacer is None:
            self._pacer = asyncio.create_task(self._pace(), name="sandbox-pacer")

    async def stop_pacing(self) -> None:
        if self._pacer is not None:
            self._pacer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pacer
            self._pacer = None

    async def _pace(self) -> None:
        while True:
            try:
                nxt = await self.tracking.next_check_in()
                if nxt is None:
                    await asyncio.sleep(0.25)
                    continue
                wait = nxt.total_seconds() / self.clock.speed
                if wait > 0.002:
                    await asyncio.sleep(min(wait, 0.25))
                    continue
                await self._step(None)
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                raise
            except Exception:  # the scheduler's tick still runs the checks; say so in the log only
                log.exception("sandbox pacer failed; retrying")
                await asyncio.sleep(1.0)
