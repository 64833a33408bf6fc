"""Fixtures for the operations tests: a private Postgres to stop and start, a free port, an HTTP getter."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.reliability.conftest import Outside, outside  # noqa: F401 - the emulator and simulator fixture
from tests.reliability.private_postgres import PrivatePostgres


@pytest.fixture
async def private_pg() -> AsyncIterator[PrivatePostgres]:
    pg = PrivatePostgres()
    await asyncio.to_thread(pg.init)
    await pg.astart()
    try:
        yield pg
    finally:
        await asyncio.to_thread(pg.destroy)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


__all__ = ["Outside", "free_port", "get", "private_pg"]
