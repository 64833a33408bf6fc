"""`python -m bot run`: the bot process in its roles (all, gateway, worker) and its graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from typing import Literal

import aiohttp
import discord

from bot.config import Settings
from bot.discord.app import CheckbackBot
from bot.discord.endpoints import point_discord_at
from bot.discord.sender import DiscordSender
from bot.errors import ConfigError, ServiceUnreachable
from bot.ops.memory import freeze_startup_objects, limit_malloc_arenas
from bot.ops.server import GatewayState, HealthServer
from bot.render.notices import notice_components, render_notice
from bot.runtime import Runtime
from bot.services import build_services
from db.locks import try_lock
from db.pool import connect

log = logging.getLogger(__name__)

Role = Literal["all", "gateway", "worker"]


def gateway_lock_key(token: str) -> int:
    """One advisory-lock key per bot token, so two gateways of one bot never answer the same command."""
    digest = hashlib.sha256(b"checkback-gateway:" + token.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def run(settings: Settings, role: Role = "all") -> int:
    token = settings.require_discord_token()
    limit_malloc_arenas()
    try:
        if not settings.discord_is_default:
            await point_discord_at(settings.discord_api_base_url, settings.discord_gateway_url)
        stop = _stop_event()
        if role == "worker":
            return await _run_worker(settings, token, stop)
        return await _run_gateway(settings, token, stop, run_jobs=role == "all")
    except (aiohttp.ClientError, discord.GatewayNotFound, discord.DiscordServerError) as exc:
        # Discord could not be reached (or kept failing) while logging in: one line, no traceback.
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise ServiceUnreachable(
            f"cannot reach Discord at {settings.discord_api_base_url}"
            f" ({type(exc).__name__}{': ' + detail if detail else ''})"
        ) from None


def gateway_state(client: discord.Client) -> GatewayState:
    """Shard id -> connected, for /healthz and the gateway gauge: open and ready, per shard when sharded."""

    def state() -> dict[int, bool]:
        if client.is_closed():
            return {}
        if isinstance(client, discord.AutoShardedClient):
            ready = client.is_ready()
            return {sid: ready and not info.is_closed() for sid, info in client.shards.items()}
        ws = client.ws
        if ws is None:
            return {}
        return {client.shard_id or 0: client.is_ready() and ws.open}

    return state


async def start_health(
    settings: Settings, runtime: Runtime, *, gateway: GatewayState | None = None
) -> HealthServer | None:
    """The /healthz and /metrics server when HEALTH_PORT is set (closed with the runtime)."""
    if settings.health_port is None:
        return None
    server = HealthServer(
        runtime.pool,
        runtime.clock,
        port=settings.health_port,
        host=settings.health_host,
        monthly_budget=settings.metrics_api_monthly_budget,
        gateway=gateway,
    )
    await server.start()
    runtime.extras["health"] = server
    return server


async def _run_gateway(settings: Settings, token: str, stop: asyncio.Event, *, run_jobs: bool) -> int:
    runtime = await Runtime.open(settings)
    lock_conn = await connect(runtime.dsn)
    try:
        bot = CheckbackBot(settings, runtime=runtime, run_jobs=run_jobs)
        await start_health(settings, runtime, gateway=gateway_state(bot))
        if not await _hold_gateway_lock(lock_conn, gateway_lock_key(token), stop):
            return 0
        task = asyncio.create_task(bot.start(token), name="discord-gateway")
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not task.done():
            log.info("stopping: closing the gateway, the scheduler and the dispatcher")
            await bot.close()
        try:
            await task
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN was rejected by Discord (401 Unauthorized)") from None
        except discord.PrivilegedIntentsRequired as exc:
            raise ConfigError(f"Discord refused the gateway intents: {exc}") from None
        finally:
            if not bot.is_closed():
                await bot.close()
        return 0
    finally:
        await lock_conn.close()
        await runtime.close()


async def _hold_gateway_lock(conn, key: int, stop: asyncio.Event) -> bool:  # noqa: ANN001 - asyncpg conn
    """Take the bot's gateway lock, waiting while another process holds it; False when told to stop."""
    announced = False
    while not stop.is_set():
        if await try_lock(conn, key):
            if announced:
                log.info("the other gateway is gone; taking over")
            return True
        if not announced:
            log.warning("another gateway process holds this bot's connection; waiting to take over")
            announced = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    return False


async def _run_worker(settings: Settings, token: str, stop: asyncio.Event) -> int:
    """Check-backs and notifications only: REST through discord.py's HTTP client, no gateway."""
    runtime = await Runtime.open(settings)
    client = discord.Client(intents=discord.Intents.none(), max_messages=None)
    await start_health(settings, runtime)
    try:
        try:
            await client.login(token)
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN was rejected by Discord (401 Unauthorized)") from None
        services = await build_services(
            runtime, sender=DiscordSender(client), render=render_notice, buttons=notice_components
        )
        services.start_scheduler()
        freeze_startup_objects()
        log.info("worker running: check-backs and notifications")
        await stop.wait()
        log.info("stopping: finishing the check in progress, releasing claims")
        await services.close()
        return 0
    finally:
        await client.close()
        await runtime.close()
