"""Helpers for the fault tests: waiting on conditions outside the emulator (the database, processes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 30.0, what: str = "a condition"
) -> T:
    """probe()'s first answer that is not None or False, polled every 50 ms; TimeoutError naming `what`."""
    async with asyncio.timeout(within):
        while True:
            result = await probe()
            if result is not None and result is not False:
                return result
            await asyncio.sleep(0.05)
    raise AssertionError("unreachable")  # pragma: no cover - asyncio.timeout raises first
