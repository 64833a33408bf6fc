"""Resources opened once at an entry point (CLI, bot, sandbox) and handed to the services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bot.clock import Clock, SystemClock
from bot.config import Settings
from db.migrate import migrate
from db.pool import create_pool, resolve_dsn

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The settings, clock, database pool and the services built on them."""

    settings: Settings
    clock: Clock
    dsn: str
    pool: asyncpg.Pool
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        run_migrations: bool = True,
        dsn: str | None = None,
    ) -> Runtime:
        dsn = dsn or resolve_dsn(settings)
        if run_migrations:
            applied = await migrate(dsn)
            for name in applied:
                log.info("applied migration %s", name)
        pool = await create_pool(dsn, max_size=settings.database_pool_size)
        return cls(settings=settings, clock=clock or SystemClock(), dsn=dsn, pool=pool)

    async def close(self) -> None:
        for resource in reversed(list(self.extras.values())):
            closer = getattr(resource, "close", None)
            if closer is not None:
                await closer()
        self.extras.clear()
        await self.pool.close()

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
