"""Benchmark: how fast the bot acknowledges slash commands with 100,000 tracked posts and 2,000,000 snapshots.

The real bot runs against the Discord emulator and the metrics simulator (bot/sandbox/stack.py) on a scratch
database (tests/conftest.py's server: DATABASE_URL's, or the embedded Postgres), filled with generate_series:
100,000 posts of 1,000 accounts, all tracked by the emulator's guild (a quarter complete, the rest active),
20 snapshots each, spread over the last 60 days. `--quick` uses 1/20 of that and 1/5 of the calls.

Latency is `Interaction.latency_ms`: from the emulator sending INTERACTION_CREATE on the gateway to the bot's
first callback (what Discord's 3-second deadline is about). Calls run one after the other, each waiting for
its final answer (for /analytics, the chart's edit), so no call queues behind another; 20 of each are run
first as warm-up. /tracked lists the newest page; /track defers and then calls the simulator; /analytics
picks random posts, with and without the chart. `chart_ms` is the median drawing time of one chart (20
points) on a worker thread. `rss_mb` is this process's resident memory at the end: the bot, and also the
emulator and simulator, which share the process.

Last line: {"bench": "interactions", "tracked_p50_ms": .., "tracked_p99_ms": .., "track_p99_ms": ..,
"analytics_p50_ms": .., "analytics_p99_ms": .., "chart_ms": .., "rss_mb": ..}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.charts import points_of, render_growth_chart  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.discord_endpoints import restore_discord_endpoints  # noqa: E402
from bot.sandbox.discord.records import Interaction, Message  # noqa: E402
from bot.sandbox.stack import Stack  # noqa: E402
from db import top as db_top  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402

SNAPSHOTS_PER_POST = 20
POSTS_PER_ACCOUNT = 100
WARMUP = 20
BATCH = 10_000  # posts per INSERT of snapshots (200,000 rows), so progress shows


async def load(dsn: str, posts: int) -> None:
    """Accounts, posts (each with a 25-check schedule, 19 done) and 20 snapshots per post."""
    pool = await create_pool(dsn, max_size=2)
    now = datetime.now(UTC)
    try:
        async with pool.acquire() as conn:
            started = time.perf_counter()
            accounts = max(1, posts // POSTS_PER_ACCOUNT)
            await conn.execute(
                """
                INSERT INTO social_media_accounts (platform, username, display_name)
                SELECT 'tiktok', 'bench_' || g, 'Bench ' || g FROM generate_series(1, $1::int) AS g
                """,
                accounts,
            )
            # Publish times spread over 60 days; checks hourly after publishing; a quarter are complete.
            await conn.execute(
                """
                INSERT INTO social_media_posts
                    (account_id, platform, external_post_id, post_url, caption, posted_at, check_schedule,
                     checks_completed, next_check_at, tracking_complete, tracking_started_at)
                SELECT 1 + g % $2::int, 'tiktok', (7600000000000000000 + g)::text,
                       'https://www.tiktok.com/@bench_' || (1 + g % $2::int) || '/video/' || (7600000000000000000 + g),
                       'Bench video ' || g || ' #diy #bench', t.posted,
                       (SELECT jsonb_agg(to_char((t.posted + k * interval '1 hour') AT TIME ZONE 'UTC',
                                                 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') ORDER BY k)
                          FROM generate_series(1, CASE WHEN g % 4 = 0 THEN 19 ELSE 25 END) AS k),
                       19,
                       CASE WHEN g % 4 = 0 THEN NULL ELSE $3::timestamptz + interval '30 days' END,
                       g % 4 = 0, t.posted
                  FROM generate_series(1, $1::int) AS g,
                       LATERAL (SELECT $3::timestamptz - interval '61 days'
                                       + (g::bigint * 86400 / $1::int) * interval '1 minute' AS posted) AS t
                """,
                posts,
                accounts,
                now,
            )
            print(f"  {posts:,} posts in {time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            for first in range(1, posts + 1, BATCH):
                await conn.execute(
                    """
                    INSERT INTO social_media_post_analytics
                        (post_id, check_index, scheduled_for, captured_at, snapshot_date, snapshot_hour,
                         views_count, likes_count, comments_count, shares_count, saves_count, created_at)
                    SELECT p.id, k, at, at, (at AT TIME ZONE 'UTC')::date,
                           extract(hour FROM at AT TIME ZONE 'UTC')::int,
                           (k + 1) * (k + 1) * (100 + p.id % 1000), (k + 1) * (k + 1) * (5 + p.id % 50),
                           (k + 1) * (1 + p.id % 7), (k + 1) * (p.id % 5), (k + 1) * (p.id % 3), at
                      FROM social_media_posts p, generate_series(0, $3::int - 1) AS k,
                           LATERAL (SELECT p.posted_at + k * interval '1 hour' AS at) AS x
                     WHERE p.id BETWEEN $1 AND $2
                    """,
                    first,
                    min(posts, first + BATCH - 1),
                    SNAPSHOTS_PER_POST,
                )
            print(
                f"  {posts * SNAPSHOTS_PER_POST:,} snapshots in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
            await conn.execute("ANALYZE")
    finally:
        await pool.close()


def has_chart(message: Message) -> bool | None:
    """True once the chart's edit has landed on the answer (None: not yet, for wait_until)."""
    return True if message.attachments else None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name}: n={len(values)} p50={pct(values, 0.5):.1f} ms p90={pct(values, 0.9):.1f} ms "
        f"p99={pct(values, 0.99):.1f} ms max={max(values):.1f} ms"
    )


async def measure(stack: Stack, calls: int, posts: int, rng: random.Random) -> dict[str, list[float]]:
    w = stack.world
    emu = stack.emulator
    out: dict[str, list[float]] = {
        k: [] for k in ("tracked", "track", "analytics", "analytics_nochart", "chart_done")
    }

    async def first_callback(i: Interaction) -> float:
        await i.response(timeout=30)
        assert i.latency_ms is not None
        return i.latency_ms

    video = 7700000000000000001
    for n in range(WARMUP + calls):
        keep = n >= WARMUP

        i = await emu.invoke(w.member, "tracked", channel=w.channel)
        ms = await first_callback(i)
        await i.final(timeout=30)
        if keep:
            out["tracked"].append(ms)

        video += 10  # ids ending in 1: the simulator treats ...403 and ...404 as private and deleted
        i = await emu.invoke(
            w.member, "track", channel=w.channel, url=f"https://www.tiktok.com/@fresh/video/{video}"
        )
        ms = await first_callback(i)
        await i.final(timeout=30)
        if keep:
            out["track"].append(ms)

        i = await emu.invoke(w.member, "analytics", channel=w.channel, post=rng.randint(1, posts))
        ms = await first_callback(i)
        await i.final(timeout=30)
        await emu.wait_until(partial(has_chart, i.message), 30, "the chart")
        chart_done = (time.monotonic() - i.sent_at) * 1000  # until the edit carrying the chart arrived
        if keep:
            out["analytics"].append(ms)
            out["chart_done"].append(chart_done)

        i = await emu.invoke(
            w.member, "analytics", channel=w.channel, post=rng.randint(1, posts), chart=False
        )
        ms = await first_callback(i)
        await i.final(timeout=30)
        if keep:
            out["analytics_nochart"].append(ms)
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    posts = args.posts // 20 if args.quick else args.posts
    calls = args.calls // 5 if args.quick else args.calls
    dsn = await create_database("checkback_bench")
    try:
        await migrate(dsn)
        print(f"loading {posts:,} posts, {posts * SNAPSHOTS_PER_POST:,} snapshots", flush=True)
        await load(dsn, posts)
        stack = Stack(dsn=dsn, clock=SystemClock(), run_jobs=False)
        await stack.start()
        try:
            guild_id = stack.world.guild.id
            await stack.runtime.pool.execute(
                "INSERT INTO guild_posts (guild_id, post_id) SELECT $1, id FROM social_media_posts", guild_id
            )
            await stack.runtime.pool.execute("ANALYZE guild_posts")
            rng = random.Random(7)
            started = time.perf_counter()
            results = await measure(stack, calls, posts, rng)
            print(f"{4 * (calls + WARMUP)} interactions in {time.perf_counter() - started:.1f} s")
            for name, values in results.items():
                print(summary(name, values))

            analytics = await stack.bot.services.tracking.analytics(guild_id, 1)
            chart_times = []
            for _ in range(30):
                t0 = time.perf_counter()
                await asyncio.to_thread(render_growth_chart, points_of(analytics), "#1")
                chart_times.append((time.perf_counter() - t0) * 1000)
            chart_ms = statistics.median(chart_times)
            print(f"chart ({len(analytics.snapshots)} points): median {chart_ms:.1f} ms over 30 renders")

            now = datetime.now(UTC)
            async with stack.runtime.pool.acquire() as conn:
                for period, days in (("24h", 1), ("7d", 7), ("30d", 30)):
                    t0 = time.perf_counter()
                    rows = await db_top.top_growth(
                        conn, guild_id=guild_id, metric="views", since=now - timedelta(days=days), limit=10
                    )
                    print(
                        f"/top views {period} query: {(time.perf_counter() - t0) * 1000:.0f} ms ({len(rows)} rows)"
                    )
            late = len(stack.emulator.violations_of("late-callback"))
            print(f"late callbacks (over 3 s): {late}; violations: {len(stack.emulator.violations)}")
            memory = rss_mb()
        finally:
            await stack.stop()
            restore_discord_endpoints()
    finally:
        await drop_database(dsn)
    r = results
    return {
        "bench": "interactions",
        "tracked_p50_ms": round(pct(r["tracked"], 0.5), 1),
        "tracked_p99_ms": round(pct(r["tracked"], 0.99), 1),
        "track_p99_ms": round(pct(r["track"], 0.99), 1),
        "analytics_p50_ms": round(pct(r["analytics"], 0.5), 1),
        "analytics_p99_ms": round(pct(r["analytics"], 0.99), 1),
        "chart_ms": round(chart_ms, 1),
        "rss_mb": round(memory, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/20 of the data, 1/5 of the calls")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(main_async(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
