"""Pacing for the metrics API: a smooth token bucket and the backoff between retries."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable


class TokenBucket:
    """Hands out request slots at `rate` per second to every caller that shares it, in arrival order.

    Tokens accrue at `rate` up to `burst`; a caller takes one at the moment it sends. The waiting callers
    queue on a lock and only the first of them sleeps, so the tokens are counted against the real time of
    each send: if the event loop stalls, at most `burst` requests go out together afterwards (a reservation
    scheme would release every overdue sleeper at once, a burst the API answers with 429s). A `burst` of 2
    keeps the rate exact despite asyncio's sleeps overshooting a little, and stays a burst of 2 at most.
    """

    def __init__(self, rate: float, burst: float = 2.0, *, monotonic: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._tokens = 1.0  # a fresh bucket sends one request at once, not a burst
        self._updated = monotonic()
        self._lock = asyncio.Lock()
        self.granted = 0

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def wait_time(self) -> float:
        """Seconds until a token is there (0 when one is there now); takes nothing."""
        now = self._monotonic()
        if now < self._updated:  # paused
            return self._updated - now + max(0.0, 1 - self._tokens) / self.rate
        self._refill(now)
        return max(0.0, 1 - self._tokens) / self.rate

    async def acquire(self) -> None:
        """Wait for a token and take it."""
        async with self._lock:
            delay = self.wait_time()
            while delay > 0:
                await asyncio.sleep(delay)
                delay = self.wait_time()
            self._tokens -= 1
            self.granted += 1

    def pause(self, seconds: float) -> None:
        """No token for anyone for `seconds` from now: the API asked every caller to back off (Retry-After)."""
        if seconds > 0:
            self._tokens = 0.0
            self._updated = max(self._updated, self._monotonic() + seconds)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)].

    Full jitter spreads the retries of callers that failed together, so they do not fail together again.
    """
    return rng.uniform(0.0, min(cap, base * (2**attempt)))
