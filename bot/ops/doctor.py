"""`python -m bot doctor`'s checks that need no Discord: settings, Postgres, migrations, the API key, the budget.

Each check gives one `Check`: passed or not, what was found, and for a failure the fix an operator applies.
The Discord checks (token, channel permissions) are in bot/cli/doctor.py, beside discord.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import AccountUnavailable, ApiRejected, CheckbackError, MetricsApiError, QuotaExhausted
from bot.metrics.client import MetricsClient
from db import ops as db_ops
from db.migrate import applied_versions, load_migrations
from db.pool import create_pool, redact, resolve_dsn
from db.ratelimit import calls_in_month

# An account every TikTok API knows; any answer about it (even "no such account") proves the key works.
PROBE_ACCOUNT = "tiktok"
CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    skipped: bool = False

    def line(self) -> str:
        mark = "–" if self.skipped else ("✓" if self.ok else "✗")
        text = f"{mark} {self.name}: {self.detail}"
        return f"{text} — fix: {self.fix}" if self.fix and not self.ok else text


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


def skipped(name: str, why: str) -> Check:
    return Check(name, True, f"skipped ({why})", skipped=True)


async def open_database(settings: Settings) -> tuple[Check, asyncpg.Pool | None]:
    """Postgres reachable, and its version; the pool for the checks after it."""
    name = "Postgres"
    try:
        dsn = resolve_dsn(settings)
    except Exception as exc:  # the embedded server could not start
        return failed(name, f"embedded Postgres did not start: {exc}", "set DATABASE_URL to a server"), None
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            pool = await create_pool(dsn, min_size=1, max_size=2)
            async with pool.acquire() as conn:
                version = await db_ops.server_version(conn)
    except Exception as exc:
        reason = "no answer in time" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
        return (
            failed(
                name,
                f"cannot reach {redact(dsn)} ({reason.splitlines()[0]})",
                "start the server or correct DATABASE_URL (postgresql://user:password@host:port/database)",
            ),
            None,
        )
    return passed(name, f"reachable at {redact(dsn)}, PostgreSQL {version}"), pool


async def migrations(pool: asyncpg.Pool) -> Check:
    name = "migrations"
    files = [m.name for m in load_migrations()]
    try:
        async with pool.acquire() as conn:
            applied = set(await applied_versions(conn))
    except asyncpg.UndefinedTableError:
        applied = set()
    pending = [f for f in files if f not in applied]
    if pending:
        shown = ", ".join(pending[:3]) + (f" and {len(pending) - 3} more" if len(pending) > 3 else "")
        return failed(
            name,
            f"{len(pending)} of {len(files)} not applied ({shown})",
            "run `python -m bot migrate` (`python -m bot run` also does it at start)",
        )
    return passed(name, f"all {len(files)} applied (latest {files[-1]})")


async def metrics_api_key(settings: Settings, pool: asyncpg.Pool | None) -> Check:
    """One call to the metrics API, recorded and counted against the budget like any other."""
    name = "metrics API key"
    try:
        settings.require_rapidapi_key()
    except CheckbackError as exc:
        return failed(name, exc.detail, "set RAPIDAPI_KEY to your key from rapidapi.com (Apps → Keys)")
    client = MetricsClient.from_settings(
        settings, pool=pool, clock=SystemClock(), retries=0, shared_limits=pool is not None
    )
    where = settings.metrics_api_base_url
    try:
        await client.user_info(PROBE_ACCOUNT)
    except AccountUnavailable:
        pass  # the API answered: the key was accepted
    except ApiRejected as exc:
        return failed(
            name,
            f"rejected by {where} ({exc})",
            "check RAPIDAPI_KEY and that the key is subscribed to the tiktok-scraper7 API on RapidAPI",
        )
    except QuotaExhausted as exc:
        return failed(name, f"no call left: {exc}", "raise METRICS_API_MONTHLY_BUDGET or wait for next month")
    except MetricsApiError as exc:
        return failed(
            name, f"{where} did not answer properly ({exc})", "check METRICS_API_BASE_URL and the network"
        )
    finally:
        await client.close()
    return passed(name, f"accepted by {where} (1 call, counted in this month's usage)")


async def budget(settings: Settings, pool: asyncpg.Pool) -> Check:
    name = "budget"
    now = SystemClock().now()
    async with pool.acquire() as conn:
        used = await calls_in_month(conn, now.date())
    limit = settings.metrics_api_monthly_budget
    if limit is None:
        return passed(name, f"no monthly budget set (METRICS_API_MONTHLY_BUDGET); {used:,} calls this month")
    left = max(0, limit - used)
    if left == 0:
        return failed(
            name,
            f"all {limit:,} calls of {now:%B} used; check-backs wait for the 1st",
            "raise METRICS_API_MONTHLY_BUDGET if your plan allows more calls",
        )
    return passed(name, f"{left:,} of {limit:,} calls left in {now:%B %Y}")
