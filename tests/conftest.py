"""Shared fixtures: a fresh, migrated database per test run on DATABASE_URL's server or the embedded one; the
test clock, the metrics API simulator and clients on it; the real bot against the emulator.

A folder that needs another instant, seed or client setting overrides the small fixture that holds it
(`start`, `sim_seed`, `client_options`, `fast_client`), not the fixtures built on it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest

from bot.checkbacks import CheckbackRunner
from bot.clock import ManualClock
from bot.discord.endpoints import restore_discord_endpoints
from bot.errors import DatabaseUnavailable
from bot.metrics import MetricsClient
from bot.notifications import OutboxDispatcher, RecordingSender
from bot.render.notices import render_notice
from bot.sandbox.discord import DiscordEmulator
from bot.sandbox.metrics import MetricsSimulator
from bot.sandbox.stack import Stack
from bot.tracking import TrackingService
from db import admin

if TYPE_CHECKING:
    from tests.private_postgres import PrivatePostgres
from db.admin import drop_database
from db.migrate import migrate
from db.pool import connect, create_pool

# Tables holding data (not configuration); `clean_db` empties them between tests.
DATA_TABLES = (
    "notification_outbox",
    "outbox_files",
    "digest_settings",
    "guild_posts",
    "guild_settings",
    "alert_routes",
    "social_media_post_analytics",
    "social_media_post_hashtags",
    "social_media_comments",
    "social_media_messages",
    "social_media_conversations",
    "automation_actions",
    "action_cap_days",
    "message_templates",
    "social_media_posts",
    "social_media_hashtags",
    "social_media_accounts",
    "api_usage_tracking",
    # Shared API rate slots and the month's budget counter (0008): a count left by one test would
    # otherwise spend the next test's budget.
    "metrics_budget_months",
    "metrics_rate_slots",
)


# The default caps after migrating: the original's (its automation migration's automation_rate_limits)
# and view's (0020).
DEFAULT_CAPS = {
    "like": {"daily": 100, "hourly": 20},
    "comment": {"daily": 20, "hourly": 5},
    "follow": {"daily": 50, "hourly": 10},
    "unfollow": {"daily": 50, "hourly": 10},
    "message": {"daily": 20, "hourly": 5},
    "search": {"daily": 200, "hourly": 50},
    "view": {"daily": 500, "hourly": 100},  # added by migration 0020: every action type has a default cap
}


async def create_database(prefix: str = "checkback_test") -> str:
    """A new empty database on the test server (see db.admin.server_dsn); returns its DSN."""
    return await admin.create_database(prefix)


async def open_connections(dsn: str, n: int, **kwargs: Any) -> list[asyncpg.Connection]:
    """n separate connections. The test server is shared: while other runs hold its connection slots,
    this waits for them (up to five minutes) instead of failing on "too many clients"."""
    deadline = asyncio.get_running_loop().time() + 300
    while True:
        conns: list[asyncpg.Connection] = []
        try:
            for _ in range(n):
                conns.append(await connect(dsn, **kwargs))
            return conns
        except DatabaseUnavailable as exc:
            await asyncio.gather(*(c.close() for c in conns))
            full = isinstance(exc.__cause__, asyncpg.TooManyConnectionsError)  # SQLSTATE 53300
            if not full or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


@pytest.fixture(scope="session")
async def dsn() -> AsyncIterator[str]:
    """DSN of a fresh database with every migration applied; dropped after the run."""
    url = await create_database()
    await migrate(url)
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(dsn, max_size=20)
    yield p
    await p.close()


async def truncate_data(pool: asyncpg.Pool, extra: tuple[str, ...] = ()) -> None:
    tables = ", ".join(DATA_TABLES + extra)
    await pool.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    # Caps edited by a test go back to the defaults the migrations leave, in system_settings and (through the trigger
    # of migration 0012) in action_caps.
    await pool.execute("DELETE FROM action_caps")
    await pool.execute(
        "UPDATE system_settings SET setting_value = $1::jsonb WHERE setting_key = 'automation_rate_limits'",
        DEFAULT_CAPS,
    )


@pytest.fixture
async def clean_db(pool: asyncpg.Pool) -> asyncpg.Pool:
    """The session database with every data table emptied; returns the pool."""
    await truncate_data(pool)
    return pool


@pytest.fixture
async def scratch_dsn() -> AsyncIterator[str]:
    """A brand-new, unmigrated database for tests of migrations themselves."""
    url = await create_database("checkback_scratch")
    yield url
    await drop_database(url)


# --- instants, the clock, the metrics API simulator and clients on it -------------------------------------
# Early in a month, so a 30-day schedule crosses into the next month only where a test wants it to.
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BOT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the tests of the whole bot (e2e, reliability, fuzz)
MID_MONTH = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)  # nothing depends on the day the tests run

TOKEN = "reliability-test-token"  # the bot token the emulator of `outside` accepts

NewClient = Callable[..., MetricsClient]
MakeClient = Callable[..., Awaitable[MetricsClient]]
MakeStack = Callable[..., Awaitable[Stack]]


@pytest.fixture
def start() -> datetime:
    """When the test's clock starts."""
    return START


@pytest.fixture
def clock(start: datetime) -> ManualClock:
    return ManualClock(start)


@pytest.fixture
def sim_seed() -> int:
    """The seed of the simulator's faults."""
    return 7


@pytest.fixture
async def sim(clock: ManualClock, sim_seed: int) -> AsyncIterator[MetricsSimulator]:
    """The metrics API simulator on loopback, on the test's clock."""
    simulator = MetricsSimulator(clock=clock, seed=sim_seed, retry_after=0.01)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
def client_options(clock: ManualClock) -> dict[str, Any]:
    """How the tests' metrics clients are built: no pacing to wait for, small backoffs (tests stay fast)."""
    return {
        "rate": 1000.0,
        "retries": 1,
        "timeout": 2.0,
        "backoff_base": 0.005,
        "backoff_max": 0.02,
        "clock": clock,
    }


@pytest.fixture
async def new_client(sim: MetricsSimulator, client_options: dict[str, Any]) -> AsyncIterator[NewClient]:
    """Builds clients on the simulator (`client_options`, then the call's overrides); closes them after."""
    made: list[MetricsClient] = []

    def build(**overrides: Any) -> MetricsClient:
        options: dict[str, Any] = {"rng": random.Random(1), **client_options, **overrides}
        client = MetricsClient(options.pop("base_url", sim.base_url), **options)
        made.append(client)
        return client

    yield build
    for client in made:
        await client.close()


@pytest.fixture
def make_client(new_client: NewClient) -> MakeClient:
    """`await make_client(**overrides)`: new_client, for tests that build clients in async code."""

    async def build(**overrides: Any) -> MetricsClient:
        return new_client(**overrides)

    return build


# --- the services of check-backs and watches, without Discord -----------------------------------------------
@dataclass
class Services:
    """The services a check-back or watch test drives, on one database, clock, simulator and client;
    notifications go to a RecordingSender."""

    pool: asyncpg.Pool
    clock: ManualClock
    sim: MetricsSimulator
    client: MetricsClient
    tracking: TrackingService
    runner: CheckbackRunner
    sender: RecordingSender
    dispatcher: OutboxDispatcher

    def advance(self, **delta: float) -> datetime:
        return self.clock.advance(timedelta(**delta))

    @classmethod
    def on(
        cls,
        pool: asyncpg.Pool,
        clock: ManualClock,
        sim: MetricsSimulator,
        client: MetricsClient,
        *,
        channel: int,
        concurrency: int,
    ) -> Services:
        sender = RecordingSender()
        return cls(
            pool=pool,
            clock=clock,
            sim=sim,
            client=client,
            tracking=TrackingService(pool, client, clock, budget=client.budget),
            runner=CheckbackRunner(pool, client, clock, concurrency=concurrency, budget=client.budget),
            sender=sender,
            dispatcher=OutboxDispatcher(
                pool, sender, clock, render=render_notice, default_channel_id=channel, channel_interval=0.0
            ),
        )


# --- the real bot against the Discord emulator and the simulator ------------------------------------------
@pytest.fixture
def fast_client() -> dict[str, Any]:
    """Quick retries, so a test of faults does not wait out production backoffs."""
    return {"backoff_base": 0.01, "backoff_max": 0.05, "max_retry_after": 0.5}


@pytest.fixture
async def make_stack(clock: ManualClock, fast_client: dict[str, Any]) -> AsyncIterator[MakeStack]:
    """Starts the real bot with the emulator and a simulator (jobs ticking every 0.2 s of wall time, on a
    clock the test moves; `run_jobs=False`: none, the test runs the services itself). Everything stops
    after the test."""
    started: list[Stack] = []

    async def build(
        *,
        dsn: str,
        simulator: MetricsSimulator | None = None,
        settings: dict[str, Any] | None = None,
        run_jobs: bool = True,
        **client: Any,
    ) -> Stack:
        stack = Stack(
            dsn=dsn,
            clock=clock,
            run_jobs=run_jobs,
            simulator=simulator,
            settings=settings,
            client_options={**fast_client, **client},
            scheduler_options={"tick_seconds": 0.2, "outbox_seconds": 0.2},
        )
        started.append(stack)
        return await stack.start()

    try:
        yield build
    finally:
        for stack in started:
            await stack.stop()
        restore_discord_endpoints()
    # The bot pings nobody but the roles a test configured and declared (`stack.expect_pings(role)`):
    # any other ping, @everyone, a user or another role, fails the test (issues 15 and 20).
    for stack in started:
        stray = stack.emulator.stray_pings(stack.expected_pings)
        assert not stray, [(m.content, [p.describe() for p in m.ever_pinged]) for m in stray]


@dataclass
class Outside:
    """The world outside a bot process: Discord and the metrics API, both in this test's loop."""

    emu: DiscordEmulator
    sim: MetricsSimulator


@pytest.fixture
async def outside(clean_db: asyncpg.Pool) -> AsyncIterator[Outside]:
    """The emulator (accepting TOKEN) and a simulator on the wall clock, for bots in other processes."""
    emu, sim = DiscordEmulator(), MetricsSimulator(seed=5)
    await emu.start()
    await sim.start()
    emu.add_bot(TOKEN, "Checkback")
    try:
        yield Outside(emu, sim)
    finally:
        await sim.stop()
        await emu.stop()
        restore_discord_endpoints()


@pytest.fixture
async def private_pg() -> AsyncIterator[PrivatePostgres]:
    """A Postgres server of the test's own, to stop and start under a running bot."""
    from tests.private_postgres import PrivatePostgres  # pgserver is imported only by the tests using it

    pg = PrivatePostgres()
    await asyncio.to_thread(pg.init)
    await pg.astart()
    try:
        yield pg
    finally:
        await asyncio.to_thread(pg.destroy)
