"""The one source of "now": every decision about what is due asks a Clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; tests use it to step through a schedule."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware time")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


class ScaledClock:
    """Time that runs `speed` times faster than the wall clock from `start` (the sandbox's clock).

    `jump` moves it forward at once, so a sandbox can fast-forward to the next due check; `hold` makes it
    stand still until `release`, so the checks due at one instant run at that instant and are not reported
    as late.
    """

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._mono = time.monotonic()
        self._held: datetime | None = None

    def now(self) -> datetime:
        if self._held is not None:
            return self._held
        return self._base + timedelta(seconds=(time.monotonic() - self._mono) * self.speed)

    def jump(self, delta: timedelta) -> datetime:
        if delta > timedelta(0):
            if self._held is not None:
                self._held += delta
            else:
                self._base += delta
        return self.now()

    def hold(self) -> datetime:
        if self._held is None:
            self._held = self.now()
        return self._held

    def release(self) -> None:
        if self._held is not None:
            self._base, self._mono, self._held = self._held, time.monotonic(), None

    def real_seconds_until(self, when: datetime) -> float:
        """Wall-clock seconds until this clock reads `when` (0 when it already does)."""
        return max(0.0, (when - self.now()).total_seconds() / self.speed)
