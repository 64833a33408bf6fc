"""The operator's port (HEALTH_PORT): /healthz for a load balancer or orchestrator, /metrics for Prometheus.

/healthz answers 200 when this process can reach Postgres (and, in a gateway role, holds an open and ready
Discord connection on every shard), else 503 with the reasons, as JSON. /metrics reads the shared gauges
from Postgres first (bounded by `db_timeout`, so a scrape never hangs on an outage), then renders the
registry in the Prometheus text format with the client library.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import asyncpg
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.clock import Clock
from bot.ops import metrics as m
from db import ops as db_ops
from db.outbox import count_pending
from db.ratelimit import calls_in_month

log = logging.getLogger(__name__)

# shard id -> connected; an empty mapping means the gateway has not connected yet.
GatewayState = Callable[[], Mapping[int, bool]]


@dataclass(eq=False)
class HealthServer:
    """Serves /healthz and /metrics on `host:port` (port 0: any free port, see `port` after start)."""

    pool: asyncpg.Pool
    clock: Clock
    _: KW_ONLY
    port: int
    host: str = "0.0.0.0"  # noqa: S104 - scraped from other hosts; it serves no secrets
    monthly_budget: int | None = None
    gateway: GatewayState | None = None
    db_timeout: float = 2.0
    _runner: web.AppRunner | None = field(default=None, init=False)

    async def start(self) -> HealthServer:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.port = int(server.sockets[0].getsockname()[1])
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- readings --------------------------------------------------------------------------------------
    async def problems(self) -> list[str]:
        """Why this process is not healthy; empty when it is."""
        found: list[str] = []
        try:
            async with asyncio.timeout(self.db_timeout):
                async with self.pool.acquire() as conn:
                    await db_ops.ping(conn)
        except Exception as exc:  # any failure to reach Postgres is the answer, not an error here
            found.append(f"postgres: {_describe(exc)}")
        if self.gateway is not None:
            shards = dict(self.gateway())
            if not shards:
                found.append("discord: gateway not connected")
            found.extend(
                f"discord: shard {sid} not connected" for sid, up in sorted(shards.items()) if not up
            )
        return found

    async def refresh(self) -> None:
        """Reads the gauges that describe shared state from Postgres; on failure marks the database down."""
        if self.gateway is not None:
            m.GATEWAY_CONNECTED.clear()
            for sid, up in self.gateway().items():
                m.GATEWAY_CONNECTED.labels(str(sid)).set(1 if up else 0)
        now = self.clock.now()
        try:
            async with asyncio.timeout(self.db_timeout):
                async with self.pool.acquire() as conn:
                    due, oldest = await db_ops.due_checks(conn, now)
                    backlog = await count_pending(conn)
                    used = await calls_in_month(conn, now.date())
        except Exception as exc:
            log.warning("metrics scrape could not read Postgres: %s", _describe(exc))
            m.DATABASE_UP.set(0)
            return
        m.DATABASE_UP.set(1)
        m.DUE_CHECKS.set(due)
        m.OLDEST_DUE_SECONDS.set(max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
        m.OUTBOX_BACKLOG.set(backlog)
        m.API_CALLS_MONTH.set(used)
        budget = self.monthly_budget
        m.BUDGET_LEFT.set(max(0, budget - used) if budget is not None else float("inf"))

    # --- handlers --------------------------------------------------------------------------------------
    async def _healthz(self, request: web.Request) -> web.Response:
        found = await self.problems()
        body: dict[str, Any] = {"status": "ok" if not found else "unhealthy", "problems": found}
        return web.Response(
            status=200 if not found else 503, text=json.dumps(body), content_type="application/json"
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.refresh()
        return web.Response(body=generate_latest(m.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
