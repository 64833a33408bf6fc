"""Benchmark: how fast the check-back runner drains a backlog, against the bound set by the API's rate.

2,000 posts (`--quick`: 200) all due at once; the simulator (its own process) answers after 750 ms; the
metrics client is allowed 50 requests/s. The bound is posts / 50 s; `ratio_to_bound` is the drain time over
it. The baseline checks posts one at a time, as the original scheduler did (a sample of 20, extrapolated).
Duplicates are (post, check_index) pairs recorded more than once, counted in SQL. Last, the claim query is
timed on a table of 1,000,000 tracked posts (`--quick`: 100,000), generated with generate_series: 25 claims,
each committed and of other posts, 50 ms apart, as a runner claims; and the server's own time for it.

Everything runs in a scratch database on DATABASE_URL's server (or the embedded Postgres), dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench._common import (  # noqa: E402
    CLAIM_RUNS,
    command_line,
    median_claim_exec_ms,
    median_committed_claim_ms,
    spawn,
)
from bot.checkbacks import CheckbackRunner  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.metrics import MetricsClient  # noqa: E402
from bot.sandbox.metrics import MetricsSimulator  # noqa: E402
from bot.schedule import DEFAULT_OFFSETS  # noqa: E402
from db import seed as db_seed  # noqa: E402
from db import snapshots as db_snapshots  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402

RATE = 50.0
LATENCY = 0.75


def serve(conn: Connection, latency: float) -> None:
    asyncio.run(_serve(conn, latency))


async def _serve(conn: Connection, latency: float) -> None:
    sim = MetricsSimulator(latency=latency)
    conn.send(await sim.start())
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    conn.send(sim.counters())
    await sim.stop()


async def seed_due(pool, count: int, first_id: int) -> None:  # type: ignore[no-untyped-def]
    """`count` tracked posts, due a minute ago, each with the default schedule."""
    await db_seed.seed_due_posts(
        pool,
        count=count,
        due=datetime.now(UTC) - timedelta(minutes=1),
        offsets=DEFAULT_OFFSETS,
        username=f"bench_{first_id}",
        first_video_id=7460000000000000001 + first_id * 10,
    )


async def drain(pool, base_url: str, posts: int, sample: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    clock = SystemClock()
    client = MetricsClient(base_url, rate=RATE, concurrency=64, timeout=15.0, retries=4, pool=pool)
    await client.start()
    try:
        # Warm-up: one call opens the connection pool's first connection outside the measurement.
        await client.video_info("https://www.tiktok.com/@bench/video/7469999999999999991")

        await seed_due(pool, posts, 0)
        runner = CheckbackRunner(pool, client, clock, concurrency=64)
        started = time.perf_counter()
        report = await runner.run_once()
        elapsed = time.perf_counter() - started
        assert report.recorded == posts, f"recorded {report.recorded} of {posts}"

        # The original: one post at a time (fetch, write, next).
        await seed_due(pool, sample, posts + 1000)
        sequential = CheckbackRunner(pool, client, clock, concurrency=1)
        started = time.perf_counter()
        base = await sequential.run_once()
        base_elapsed = time.perf_counter() - started
        assert base.recorded == sample
        async with pool.acquire() as conn:
            duplicates = await db_snapshots.count_duplicates(conn)
    finally:
        await client.close()
    bound = posts / RATE
    extrapolated = base_elapsed / sample * posts
    print(f"drain: {posts} posts in {elapsed:.2f} s; bound {bound:.1f} s; ratio {elapsed / bound:.3f}")
    print(
        f"sequential: {sample} posts in {base_elapsed:.2f} s → {extrapolated:.0f} s for {posts} "
        f"(speed-up {extrapolated / elapsed:.1f}×)"
    )
    return {
        "elapsed": elapsed,
        "ratio": elapsed / bound,
        "speedup": extrapolated / elapsed,
        "duplicates": duplicates,
    }


async def claim_at_scale(pool, rows: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The real claim of 64 on `rows` tracked posts, as a runner claims: 25 claims, each committed, of posts
    no earlier claim took, 50 ms apart (bench._common.median_committed_claim_ms), the median; and the
    server's own time for it (bench._common.median_claim_exec_ms, median of 5, rolled back), the plan
    printed. 1,600 posts (25 × 64) are due, by the committed insert that makes the table."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        await conn.execute("TRUNCATE social_media_posts, guild_posts, social_media_post_analytics CASCADE")
        acct = await conn.fetchval(
            "INSERT INTO social_media_accounts (platform, username) VALUES ('tiktok', 'bench_scale') RETURNING id"
        )
        started = time.perf_counter()
        # Schedules themselves are not what the claim reads; a short one keeps the table small to build.
        await conn.execute(
            """
            INSERT INTO social_media_posts (account_id, platform, external_post_id, post_url, posted_at,
                                            check_schedule, checks_completed, next_check_at, tracking_complete)
            SELECT $1, 'tiktok', (7500000000000000000 + g)::text, 'https://www.tiktok.com/@s/video/' || g, $2::timestamptz,
                   '["2026-01-01T00:00:00+00:00"]'::jsonb, 0,
                   CASE WHEN g <= $4::int THEN $2::timestamptz - interval '1 minute'
                        ELSE $2::timestamptz + (g % 43200) * interval '1 minute' END,
                   false
              FROM generate_series(1, $3::int) AS g
            """,
            acct,
            now,
            rows,
            CLAIM_RUNS * 64,
        )
        await conn.execute("ANALYZE social_media_posts")
        print(f"generated {rows:,} tracked posts in {time.perf_counter() - started:.1f} s")
        plan, exec_ms = await median_claim_exec_ms(conn, now)
        print("claim plan:\n  " + "\n  ".join(plan))
        ms = await median_committed_claim_ms(conn, now, CLAIM_RUNS)
    print(
        f"claim of 64 due posts among {rows:,}: median {ms:.2f} ms of {CLAIM_RUNS} committed claims, "
        f"{exec_ms:.2f} ms of it in the server (load average {os.getloadavg()[0]:.1f})"
    )
    return ms, exec_ms


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    posts = 200 if args.quick else args.posts
    sample = 5 if args.quick else 20
    scale = 100_000 if args.quick else 1_000_000
    parent, server = spawn(serve, LATENCY)
    base_url = parent.recv()
    dsn = await create_database("checkback_bench")
    try:
        await migrate(dsn)
        pool = await create_pool(dsn, max_size=10)
        try:
            figures = await drain(pool, base_url, posts, sample)
            parent.send("stop")
            counters = parent.recv()
            print(f"simulator: {counters.get('calls')} calls, max in flight {counters.get('max_in_flight')}")
            claim_ms, claim_exec_ms = await claim_at_scale(pool, scale)
        finally:
            await pool.close()
    finally:
        await drop_database(dsn)
        server.join(timeout=5)
    return {
        "bench": "drain",
        "posts": posts,
        "ratio_to_bound": round(figures["ratio"], 3),
        "speedup_vs_sequential": round(figures["speedup"], 1),
        "duplicates": int(figures["duplicates"]),
        "claim_ms_at_1m": round(claim_ms, 2),
        "claim_exec_ms": round(claim_exec_ms, 2),
    }


main = command_line(main_async, __doc__, quick="1/10 of the size, under a minute", posts=2000)


if __name__ == "__main__":
    raise SystemExit(main())
