"""A `run --role worker` process with its Postgres restarted under it: it keeps running, logs the outage in
a line or two (no traceback, no unretrieved task exception), and every check is recorded and sent once."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from db.migrate import migrate
from db.pool import create_pool
from db.snapshots import count_duplicates
from tests.conftest import Outside
from tests.private_postgres import PrivatePostgres
from tests.reliability.helpers import (
    WORKER,
    BotProcess,
    all_done,
    assert_each_sent_once,
    bot_env,
    eventually,
    teams_with_due_posts,
)

POSTS = 24


async def test_a_worker_rides_out_a_postgres_restart(
    outside: Outside, private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    emu, sim = outside.emu, outside.sim
    sim.latency = 0.2  # two checks in flight at 0.2 s each: the run spans the restart
    await migrate(private_pg.dsn)
    pool = await create_pool(private_pg.dsn, min_size=1, max_size=2)
    try:
        teams = await teams_with_due_posts(emu, pool, 3, POSTS)
    finally:
        await pool.close()
    env = bot_env(private_pg.dsn, emu, sim, METRICS_API_CONCURRENCY="2", DATABASE_OUTAGE_WAIT="60")
    worker = await BotProcess.start(env, tmp_path / "worker.log", *WORKER)
    try:
        await eventually(lambda: _true(sim.calls >= 4), within=60, what="the worker under way")
        await private_pg.astop()
        await eventually(
            lambda: _true("the database" in worker.output() and "away" in worker.output()),
            within=60,
            what="the worker noticing the outage",
        )
        await private_pg.astart()
        pool = await create_pool(private_pg.dsn, min_size=1, max_size=2)
        try:
            # Checks in flight when the database went were left to their 5-minute leases: once every other
            # post is done, let those leases run out as time would.
            await eventually(
                lambda: _checked_or_leased(pool), within=120, what="every post checked or leased"
            )
            await pool.execute(
                "UPDATE social_media_posts SET claimed_until = now() - interval '1 second'"
                " WHERE checks_completed = 0 AND claimed_until IS NOT NULL"
            )
            await eventually(lambda: all_done(pool, POSTS), within=120, what="every check recorded and sent")
            async with pool.acquire() as conn:
                assert await count_duplicates(conn) == 0
        finally:
            await pool.close()
    finally:
        code = await worker.stop()
    log = worker.output()
    assert code == 0, log[-3000:]
    assert "Traceback" not in log and "never retrieved" not in log, log[-5000:]
    assert_each_sent_once(emu, teams, POSTS)


async def _true(value: bool) -> bool:
    return value


async def _checked_or_leased(pool: asyncpg.Pool) -> bool:
    row = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE checks_completed >= 1) AS done,"
        " count(*) FILTER (WHERE checks_completed = 0 AND claimed_until > now()) AS leased"
        " FROM social_media_posts"
    )
    return row["done"] + row["leased"] == POSTS and row["leased"] < POSTS
