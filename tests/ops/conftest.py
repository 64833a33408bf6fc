"""Helpers for the operations tests: a free port, an HTTP getter (`outside` and `private_pg` are in
tests/conftest.py)."""

from __future__ import annotations

import aiohttp

from tests.conftest import Outside
from tests.private_postgres import free_port


async def get(url: str) -> tuple[int, str] | None:
    """(status, body) of a GET, or None when nothing answers yet."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, timeout=aiohttp.ClientTimeout(5)) as r,
        ):
            return r.status, await r.text()
    except (aiohttp.ClientError, TimeoutError):
        return None


__all__ = ["Outside", "free_port", "get"]  # the ops tests import them from here
