"""The sandbox's time: a clock that moves only when the bot has nothing due left undone.

The sandbox runs the bot without APScheduler: the TimeKeeper is what runs check-backs, account polls,
digests and notifications, each at its instant. Time moves only through `advance_to`, which stops at every instant
something falls due (a check-back, a poll, a notification), runs it with the clock standing there, and
moves on only when all of it is done, however slow the machine. A script moves time only with /wait and
its final run to the end; at the interactive prompt a pacer moves it at `speed` between commands, by the
same steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from bot.clock import ManualClock
from bot.sandbox.stack import Stack

log = logging.getLogger(__name__)

HORIZON = timedelta(days=400)  # a script never fast-forwards further than this (a schedule that never ends)
WATCHED_HORIZON = timedelta(days=31)  # with watched accounts (that keep posting): this long at most
PACE_SECONDS = 0.05  # how often the interactive pacer moves the clock
REPLY_PATIENCE = 30.0  # wall seconds time waits for the bot to finish handling a command
ROUNDS = 50  # passes over the due work at one instant before it is left to the next instant


class TimeKeeper:
    """Moves the sandbox clock and runs what falls due, with the clock held at each due instant."""

    def __init__(self, stack: Stack, clock: ManualClock, *, speed: float = 1.0) -> None:
        self.stack = stack
        self.clock = clock
        self.speed = speed
        self._lock = asyncio.Lock()
        self._pacer: asyncio.Task[None] | None = None
        self._resumed = time.monotonic()  # when the last command ended: time flows again from there

    @property
    def services(self) -> Any:
        return self.stack.bot.services

    # --- what is due ----------------------------------------------------------------------------------
    async def next_due(self) -> datetime | None:
        """The soonest instant something falls due: a check-back, an account poll, a digest or a
        notification."""
        from db.outbox import next_available_at

        services = self.services
        times = [
            await services.checkbacks.next_due_at(),
            await services.polling.next_due_at(),
            await services.digest_engine.next_due_at(),
        ]
        async with self.stack.runtime.pool.acquire() as conn:
            times.append(await next_available_at(conn))
        due = [t for t in times if t is not None]
        return min(due) if due else None

    async def run_due(self) -> None:
        """Everything due at the clock's instant, done: check-backs, polls, digests, then their
        notifications (a poll's new post is tracked, and its first check may be due at once; a digest
        covers the checks of its instant)."""
        services = self.services
        for _ in range(ROUNDS):
            await services.checkbacks.run_once()
            await services.polling.run_due()
            await services.digest_engine.run_due()
            if services.dispatcher is not None:
                await services.dispatcher.run_once()
            nxt = await self.next_due()
            if nxt is None or nxt > self.clock.now():
                return
        log.warning("work due at %s is still due after %d rounds; moving on", self.clock.now(), ROUNDS)

    # --- moving the clock -----------------------------------------------------------------------------
    async def advance(self, delta: timedelta) -> None:
        """Move the clock `delta` ahead, stopping at every instant something falls due on the way."""
        await self.advance_to(self.clock.now() + delta)

    async def advance_to(self, until: datetime) -> None:
        await self.run_due()
        while True:
            nxt = await self.next_due()
            if nxt is None or nxt > until:
                break
            if nxt > self.clock.now():
                self.clock.set(nxt)
            await self.run_due()
        if until > self.clock.now():
            self.clock.set(until)
            await self.run_due()

    async def settle(self) -> bool:
        """Fast-forward until no post has a check-back left; False when the horizon was reached with
        check-backs still scheduled (watched accounts that keep posting, or a schedule that never ends)."""
        watching = await self.services.polling.next_due_at() is not None
        until = self.clock.now() + (WATCHED_HORIZON if watching else HORIZON)
        while (nxt := await self.services.tracking.next_check_in()) is not None:
            if self.clock.now() + nxt > until:
                await self.advance_to(until)
                return False
            await self.advance_to(self.clock.now() + nxt)
        return True

    # --- commands and the interactive pace ------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def command(self) -> AsyncIterator[None]:
        """One typed command: time stands still while it runs (the pacer waits), and what it made due at
        this instant (a notification, a poll) is done before time moves again."""
        async with self._lock:
            try:
                yield
            finally:
                try:
                    if not _cancelling():  # else the sandbox is leaving (Ctrl-C): nothing more to wait for
                        await self.replies_done()
                        await self.run_due()
                finally:
                    self._resumed = time.monotonic()

    async def replies_done(self, patience: float = REPLY_PATIENCE) -> None:
        """Wait until the bot has finished handling every interaction (a reply edited after it was sent,
        e.g. /analytics's chart, is part of it): discord.py runs each in a task of its own."""
        deadline = time.monotonic() + patience
        while (left := deadline - time.monotonic()) > 0:
            busy = [task for task in asyncio.all_tasks() if _handles_an_interaction(task) and not task.done()]
            if not busy:
                return
            await asyncio.wait(busy, timeout=left)
        log.warning("the bot was still handling an interaction after %g s; time moves on", patience)

    def start_pacing(self) -> None:
        """At the prompt: time flows at `speed` between commands, by the same stops."""
        if self._pacer is None:
            self._pacer = asyncio.create_task(self._pace(), name="sandbox-pacer")

    async def stop_pacing(self) -> None:
        """The pacer stopped, mid-step or not. A step that swallowed the cancellation (a library's
        `wait_for` racing it) ends the loop all the same: the pacer checks it is still wanted."""
        pacer, self._pacer = self._pacer, None
        if pacer is not None:
            pacer.cancel()
            await asyncio.wait({pacer})  # our own cancellation still goes through, the pacer's does not

    async def _pace(self) -> None:
        last = time.monotonic()
        while self._pacer is asyncio.current_task():
            await asyncio.sleep(PACE_SECONDS)
            try:
                async with self._lock:
                    elapsed = time.monotonic() - max(last, self._resumed)
                    await self.advance(timedelta(seconds=elapsed * self.speed))
            except asyncio.CancelledError:
                raise
            except Exception:  # the prompt outlives a failed step; the next one tries again
                log.exception("sandbox pacer failed; retrying")
                await asyncio.sleep(1.0)
            # Time spent on the bot's work (or waiting for a command) is not made up for afterwards.
            last = time.monotonic()


def _cancelling() -> bool:
    """Whether the running task was asked to stop (a cancellation under way)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _handles_an_interaction(task: asyncio.Task[Any]) -> bool:
    """discord.py's tasks that run a slash command (or its autocomplete) and a button's or modal's callback."""
    name = task.get_name()
    return name == "CommandTree-invoker" or name.startswith(("discord-ui-view-dispatch-", "discord-ui-modal"))
