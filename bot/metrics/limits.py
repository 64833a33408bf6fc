"""Pacing for the metrics API: a smooth token bucket and the backoff between retries."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable


class TokenBucket:
    """Hands out request slots at `rate` per second, evenly spaced, to every caller that shares it.

    It works by reservation (the "virtual scheduling" form of a token bucket, GCRA): each caller takes the
    next free slot and sleeps until it. A late wake-up does not shift the slots after it, so the long-run
    rate is exactly `rate` even though asyncio's sleeps overshoot a little; and an idle bucket saves at most
    `burst` slots, so a quiet spell is never followed by a burst the API would answer with 429s.
    """

    def __init__(self, rate: float, burst: float = 1.0, *, monotonic: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._interval = 1.0 / rate
        self._monotonic = monotonic
        self._next_slot = float("-inf")
        self.granted = 0

    @property
    def interval(self) -> float:
        return self._interval

    def reserve(self) -> float:
        """Take the next slot; returns how many seconds to wait for it (0 when it is free now)."""
        now = self._monotonic()
        # Slots not used while idle are kept only up to `burst - 1` intervals back.
        slot = max(self._next_slot, now - (self.burst - 1) * self._interval)
        self._next_slot = slot + self._interval
        self.granted += 1
        return max(0.0, slot - now)

    async def acquire(self) -> None:
        """Wait for this caller's slot."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """No slot before `seconds` from now: the API asked every caller to back off (Retry-After)."""
        if seconds > 0:
            self._next_slot = max(self._next_slot, self._monotonic() + seconds)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)].

    Full jitter spreads the retries of callers that failed together, so they do not fail together again.
    """
    return rng.uniform(0.0, min(cap, base * (2**attempt)))
