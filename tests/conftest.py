"""Shared fixtures: a fresh, migrated database per test run on DATABASE_URL's server or the embedded one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from db import admin
from db.admin import drop_database
from db.migrate import migrate
from db.pool import create_pool

# Tables holding data (not configuration); `clean_db` empties them between tests.
DATA_TABLES = (
    "notification_outbox",
    "guild_posts",
    "guild_settings",
    "social_media_post_analytics",
    "social_media_post_hashtags",
    "social_media_comments",
    "social_media_messages",
    "social_media_conversations",
    "automation_actions",
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


# The original's default caps (its automation migration's automation_rate_limits).
DEFAULT_CAPS = {
    "like": {"daily": 100, "hourly": 20},
    "comment": {"daily": 20, "hourly": 5},
    "follow": {"daily": 50, "hourly": 10},
    "unfollow": {"daily": 50, "hourly": 10},
    "message": {"daily": 20, "hourly": 5},
    "search": {"daily": 200, "hourly": 50},
}


async def create_database(prefix: str = "checkback_test") -> str:
    """A new empty database on the test server (see db.admin.server_dsn); returns its DSN."""
    return await admin.create_database(prefix)


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
    # Caps edited by a test go back to the original's defaults, in system_settings and (through the trigger
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
