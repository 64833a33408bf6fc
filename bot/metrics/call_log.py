"""The API call log: one api_usage_tracking row per metrics API call, written in the background in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from bot.ops.metrics import count_api_call
from db.api_usage import UsageRow, insert_usage

log = logging.getLogger(__name__)


@dataclass(eq=False)
class UsageRecorder:
    """Queues usage rows and writes them every `flush_interval` seconds or `batch_size` rows.

    `record` never waits, so an API caller is never slowed down by the database. With no pool the rows are
    counted and dropped (pure parsing tests, benchmarks). When the database is down the rows stay in memory,
    at most `max_pending` of them (the oldest are dropped past that), and one warning is logged per outage.
    """

    pool: Any | None
    _: KW_ONLY
    flush_interval: float = 0.5
    batch_size: int = 200
    max_pending: int = 50_000
    acquire_timeout: float = 5.0
    write_timeout: float = 30.0
    # Counts of rows: recorded, written to the database, dropped (no pool, or past max_pending).
    recorded: int = field(default=0, init=False)
    written: int = field(default=0, init=False)
    dropped: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._pending: deque[UsageRow] = deque()
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._failing = False

    @property
    def pending(self) -> int:
        """Rows recorded but not yet in the database (including a batch being written now)."""
        return len(self._pending) + self._in_flight

    def record(self, row: UsageRow) -> None:
        """Queue one row; returns at once."""
        self.recorded += 1
        count_api_call(row.status_code)
        if self.pool is None or self._closed:
            self.dropped += 1
            return
        self._pending.append(row)
        if len(self._pending) > self.max_pending:
            self._pending.popleft()
            self.dropped += 1
        if len(self._pending) >= self.batch_size:
            self._wake.set()
        self._ensure_task()

    def _ensure_task(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="usage-recorder")

    async def _run(self) -> None:
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> int:
        """Write every pending row now, in batches of `batch_size`; returns how many were written.

        A database error keeps the rows for the next flush and is logged, never raised.
        """
        total = 0
        async with self._lock:
            while self._pending and self.pool is not None:
                batch = [self._pending.popleft() for _ in range(min(self.batch_size, len(self._pending)))]
                self._in_flight = len(batch)
                try:
                    async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
                        await insert_usage(conn, batch, command_timeout=self.write_timeout)
                except Exception as exc:  # the database being down must not lose the rows nor raise
                    self._pending.extendleft(reversed(batch))
                    while len(self._pending) > self.max_pending:
                        self._pending.pop()
                        self.dropped += 1
                    if not self._failing:
                        log.warning(
                            "usage rows not written (%s: %s); keeping %d in memory and retrying",
                            type(exc).__name__,
                            str(exc).splitlines()[0][:200] if str(exc) else "",
                            len(self._pending),
                        )
                    self._failing = True
                    break
                finally:
                    self._in_flight = 0
                if self._failing:
                    log.info("usage rows written again after an outage")
                    self._failing = False
                self.written += len(batch)
                total += len(batch)
        return total

    async def close(self) -> None:
        """Stop the background task and write what is pending (once; rows that still fail are lost)."""
        self._closed = True
        if self._task is not None:
            # Not cancelled: a cancel in the middle of a COPY would lose that batch. The loop sees
            # `_closed` after its current flush and ends.
            self._wake.set()
            await self._task
            self._task = None
        await self.flush()
        if self._pending:
            log.warning(
                "usage recorder closed with %d rows unwritten (database unavailable)", len(self._pending)
            )
            self.dropped += len(self._pending)
            self._pending.clear()
