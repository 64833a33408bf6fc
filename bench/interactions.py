"""Benchmark: slash-command latency, /top, the claim and the bot's memory at 500,000 posts and 10,000,000 snapshots.

The bot runs alone in its own process, as in production: `python -m bot run` (gateway, check-backs and
notifications), pointed at the Discord emulator and the metrics simulator, which run in this process and
drive it. The scratch database (DATABASE_URL's server, or the embedded Postgres) holds `--posts` tracked
posts (default 500,000; 100 per account, all tracked by the emulator's guild, a quarter complete) with 20
snapshots each (bench/_dataset.py). `--quick`: 1/20 of the posts, 1/5 of the calls, a 400-post drain.

1. Commands: `--calls` rounds (default 500, after 20 warm-up rounds) of /tracked, /track (a new video),
   /analytics post:<random> (with its chart) and /analytics chart:false, one at a time, each waiting for its
   final answer (for /analytics, the chart's edit). Latency is the emulator's `Interaction.latency_ms`: from
   sending INTERACTION_CREATE to the bot's first callback (Discord's 3-second deadline is about that).
2. Commands while draining: 2,000 posts fall due at once (`--drain`); while the bot checks them (metrics API
   at 100 calls/s, the simulator answering in ~50 ms) /tracked and /analytics go on, one at a time, and
   only those sent before the last check was recorded count.
3. /top: the ranking query of /top (db/top.py, from post_snapshot_spans) for 24h, 7d and 30d; median of 5.
4. The claim: 1,600 of the active posts made due, the real claim of 64 (db.claims.claim_due) timed 25
   times, each committed and of other posts, as production claims; the median. Also the server's part
   (EXPLAIN ANALYZE, rolled back) and the claim's plan.
5. `rss_mb_bot`: the bot process's resident memory at the end (after all the above, charts included);
   also at start-up and after the commands.

Last line: {"bench": "interactions", "tracked_p99_ms", "analytics_p99_ms", "analytics_p99_ms_draining",
"tracked_p99_ms_draining", "top_24h_ms", "top_7d_ms", "top_30d_ms", "claim_ms_at_10m", "claim_exec_ms",
"rss_mb_bot", ...}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import CLAIM_RUNS, median_claim_exec_ms, median_committed_claim_ms  # noqa: E402
from bench._dataset import load  # noqa: E402
from bot.charts import (  # noqa: E402
    ChartPoint,
    render_growth_chart,
)
from bot.sandbox.child_env import bot_process_env  # noqa: E402
from bot.sandbox.discord import DiscordEmulator  # noqa: E402
from bot.sandbox.discord.records import Interaction, Message  # noqa: E402
from bot.sandbox.metrics import MetricsSimulator  # noqa: E402
from bot.schedule import DEFAULT_OFFSETS  # noqa: E402
from db import claims as db_claims  # noqa: E402
from db import seed as db_seed  # noqa: E402
from db import top as db_top  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402

SNAPSHOTS_PER_POST = 20
WARMUP = 20
TOKEN = "bench-interactions-token"
DRAIN_RATE = 100  # metrics API calls per second allowed to the bot while it drains


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


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak) in MB of process `pid`."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


class Bench:
    def __init__(self, emu: DiscordEmulator, posts: int, rng: random.Random) -> None:
        self.emu = emu
        self.posts = posts
        self.rng = rng
        self.guild = emu.add_guild("Bench team")
        self.channel = self.guild.add_channel("checkbacks")
        self.member = self.guild.add_member("member")
        self.video = 7700000000000000001

    async def first_callback(self, i: Interaction) -> float:
        await i.response(timeout=30)
        assert i.latency_ms is not None
        return i.latency_ms

    async def tracked(self) -> float:
        i = await self.emu.invoke(self.member, "tracked", channel=self.channel)
        ms = await self.first_callback(i)
        await i.final(timeout=30)
        return ms

    async def track(self) -> float:
        self.video += 10  # ids ending in 1: the simulator treats ...403 and ...404 as private and deleted
        url = f"https://www.tiktok.com/@fresh/video/{self.video}"
        i = await self.emu.invoke(self.member, "track", channel=self.channel, url=url)
        ms = await self.first_callback(i)
        await i.final(timeout=30)
        return ms

    async def analytics(self, *, chart: bool = True, wait_chart: bool = True) -> tuple[float, float]:
        """(first callback ms, ms until the chart's edit arrived or the answer was final)."""
        post = self.rng.randint(1, self.posts)
        options = {} if chart else {"chart": False}
        i = await self.emu.invoke(self.member, "analytics", channel=self.channel, post=post, **options)
        ms = await self.first_callback(i)
        await i.final(timeout=30)
        if chart and wait_chart:
            await self.emu.wait_until(partial(has_chart, i.message), 30, "the chart")
        return ms, (time.monotonic() - i.sent_at) * 1000

    async def commands(self, calls: int) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {
            k: [] for k in ("tracked", "track", "analytics", "analytics_nochart", "chart_done")
        }
        for n in range(WARMUP + calls):
            keep = n >= WARMUP
            tracked = await self.tracked()
            track = await self.track()
            analytics, chart_done = await self.analytics()
            nochart, _ = await self.analytics(chart=False)
            if keep:
                out["tracked"].append(tracked)
                out["track"].append(track)
                out["analytics"].append(analytics)
                out["chart_done"].append(chart_done)
                out["analytics_nochart"].append(nochart)
        return out

    async def while_draining(self, pool, count: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
        """/tracked and /analytics while `count` due posts are checked; only calls sent before the drain
        ended count."""
        now = await pool.fetchval("SELECT now()")
        seeded = await pool.fetchval("SELECT max(id) + 1 FROM social_media_posts")
        async with pool.acquire() as conn:
            await db_seed.seed_due_posts(
                conn,
                count=count,
                due=now - timedelta(seconds=1),
                offsets=DEFAULT_OFFSETS,
                username="bench_drain",
                first_video_id=7800000000000000001,
                guild_ids=[self.guild.id],
            )
        out: dict[str, list[float]] = {"tracked": [], "analytics": [], "drain_s": []}
        started = time.monotonic()

        async def drained() -> bool:
            done = await pool.fetchval(
                "SELECT count(*) FROM social_media_posts WHERE id >= $1 AND checks_completed >= 1", seeded
            )
            return done >= count

        while True:
            sent = time.monotonic()
            tracked = await self.tracked()
            analytics, _ = await self.analytics()
            if await drained():
                out["drain_s"].append(time.monotonic() - started)
                break
            if sent - started > 600:
                raise TimeoutError("the drain did not finish in 10 minutes")
            out["tracked"].append(tracked)
            out["analytics"].append(analytics)
        return out


async def top_ms(pool, guild_id: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    found: dict[str, float] = {}
    async with pool.acquire() as conn:
        for period, days in (("24h", 1), ("7d", 7), ("30d", 30)):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                rows = await db_top.top_growth(
                    conn, guild_id=guild_id, metric="views", since=now - timedelta(days=days), limit=10
                )
                times.append((time.perf_counter() - t0) * 1000)
            found[period] = statistics.median(times)
            if period == "24h":  # where the time goes, for BENCHMARKS.md
                plan = await db_top.explain_top_growth(
                    conn, guild_id=guild_id, metric="views", since=now - timedelta(days=days), limit=10
                )
                print("/top 24h plan:\n  " + "\n  ".join(plan))
            print(
                f"/top views {period}: median {found[period]:.1f} ms of 5 (first {times[0]:.1f} ms), {len(rows)} rows"
            )
    return found


async def claim_ms(pool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The real claim of 64 among the data set's posts, as production claims: 25 claims, each committed, of
    different due posts, 50 ms apart (bench._common.median_committed_claim_ms); the median. Also the
    server's own time for it (bench._common.median_claim_exec_ms: EXPLAIN ANALYZE's execution time, median
    of 5, rolled back; the first plan is printed): the part the machine's other load does not stretch.

    1,600 active posts (25 × 64) are made due by a committed transaction before the claims, as posts fall due
    in production; a claim inside the transaction that changed its rows would also fire the account foreign
    key's check on every row (Postgres re-checks a key on rows its own transaction wrote), 11 of 14 ms
    measured. They fall due tomorrow and are claimed as of then, so the bot running beside it does not take
    them (the drain's posts, next due within hours, are claimed first: due posts, like any). All are put back
    afterwards."""
    now = datetime.now(UTC) + timedelta(days=1)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, next_check_at FROM social_media_posts WHERE tracking_complete = false ORDER BY id LIMIT $1",
            CLAIM_RUNS * 64,
        )
        ids = [r["id"] for r in rows]
        await conn.execute(
            "UPDATE social_media_posts SET next_check_at = $2 WHERE id = ANY($1::int[])",
            ids,
            now - timedelta(minutes=1),
        )
        try:
            plan, exec_ms = await median_claim_exec_ms(conn, now)
            print("claim plan:\n  " + "\n  ".join(plan))
            ms = await median_committed_claim_ms(conn, now, CLAIM_RUNS)
        finally:
            await db_claims.set_next_checks(conn, {r["id"]: r["next_check_at"] for r in rows})
    print(
        f"claim of 64 due posts: median {ms:.2f} ms of {CLAIM_RUNS} committed claims, {exec_ms:.2f} ms "
        f"of it in the server (load average {os.getloadavg()[0]:.1f})"
    )
    return ms, exec_ms


async def start_bot(dsn: str, emu: DiscordEmulator, sim: MetricsSimulator, channel_id: int, log: Path):  # type: ignore[no-untyped-def]
    assert sim.base_url is not None
    env = bot_process_env(
        dsn,
        token=TOKEN,
        discord_url=emu.base_url,
        metrics_url=sim.base_url,
        METRICS_API_RATE=str(DRAIN_RATE),
        NOTIFY_CHANNEL_ID=str(channel_id),
        LOG_LEVEL="WARNING",
    )
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    await emu.wait_until_connected(timeout=120)
    await emu.wait_for_commands(timeout=120)
    return proc


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    posts = args.posts // 20 if args.quick else args.posts
    calls = args.calls // 5 if args.quick else args.calls
    drain = 400 if args.quick else args.drain
    dsn = await create_database("checkback_bench")
    log = Path(os.environ.get("BENCH_LOG", "/tmp/checkback-bench-interactions.log"))
    emu, sim = DiscordEmulator(), MetricsSimulator(seed=3, latency=0.05)
    proc = None
    try:
        await migrate(dsn)
        print(f"loading {posts:,} posts, {posts * SNAPSHOTS_PER_POST:,} snapshots", flush=True)
        took = await load(dsn, posts, SNAPSHOTS_PER_POST)
        if args.top_only:
            return await _top_only(dsn, posts)
        await emu.start()
        await sim.start()
        emu.add_bot(TOKEN, "Checkback")
        bench = Bench(emu, posts, random.Random(7))
        pool = await create_pool(dsn, max_size=4)
        try:
            await pool.execute(
                "INSERT INTO guild_posts (guild_id, post_id) SELECT $1, id FROM social_media_posts",
                bench.guild.id,
            )
            await pool.execute("ANALYZE guild_posts")
            proc = await start_bot(dsn, emu, sim, bench.channel.id, log)
            rss_start, _ = rss_mb(proc.pid)
            print(f"bot process {proc.pid}: {rss_start:.1f} MB resident after start-up", flush=True)

            started = time.perf_counter()
            results = await bench.commands(calls)
            print(f"{4 * (calls + WARMUP)} interactions in {time.perf_counter() - started:.1f} s")
            for name, values in results.items():
                print(summary(name, values))
            rss_commands, _ = rss_mb(proc.pid)
            print(f"bot process: {rss_commands:.1f} MB resident after the commands", flush=True)

            draining = await bench.while_draining(pool, drain)
            print(f"drain of {drain:,} posts: {draining['drain_s'][0]:.1f} s")
            for name in ("tracked", "analytics"):
                print(summary(f"{name} while draining", draining[name]))

            tops = await top_ms(pool, bench.guild.id)
            claim, claim_exec = await claim_ms(pool)
            late = len(emu.violations_of("late-callback"))
            print(f"late callbacks (over 3 s): {late}; violations: {len(emu.violations)}")
            rss_end, rss_peak = rss_mb(proc.pid)
            print(f"bot process: {rss_end:.1f} MB resident at the end (peak {rss_peak:.1f} MB)")

            analytics_points = await pool.fetch(
                "SELECT captured_at, views_count, likes_count FROM social_media_post_analytics WHERE post_id = 1"
            )
        finally:
            await pool.close()
        chart_times = []
        points = [ChartPoint(r["captured_at"], r["views_count"], r["likes_count"]) for r in analytics_points]
        for _ in range(30):
            t0 = time.perf_counter()
            await asyncio.to_thread(render_growth_chart, points, "#1")
            chart_times.append((time.perf_counter() - t0) * 1000)
        chart_ms = statistics.median(chart_times)
    finally:
        if proc is not None and proc.returncode is None:
            proc.terminate()
            await proc.wait()
        await sim.stop()
        await emu.stop()
        await drop_database(dsn)
    r = results
    return {
        "bench": "interactions",
        "posts": posts,
        "snapshots": posts * SNAPSHOTS_PER_POST,
        "tracked_p50_ms": round(pct(r["tracked"], 0.5), 1),
        "tracked_p99_ms": round(pct(r["tracked"], 0.99), 1),
        "track_p99_ms": round(pct(r["track"], 0.99), 1),
        "analytics_p50_ms": round(pct(r["analytics"], 0.5), 1),
        "analytics_p99_ms": round(pct(r["analytics"], 0.99), 1),
        "tracked_p99_ms_draining": round(pct(draining["tracked"], 0.99), 1),
        "analytics_p99_ms_draining": round(pct(draining["analytics"], 0.99), 1),
        "drain_s": round(draining["drain_s"][0], 1),
        "top_24h_ms": round(tops["24h"], 1),
        "top_7d_ms": round(tops["7d"], 1),
        "top_30d_ms": round(tops["30d"], 1),
        "claim_ms_at_10m": round(claim, 2),
        "claim_exec_ms": round(claim_exec, 2),
        "chart_ms": round(chart_ms, 1),
        "rss_mb_bot": round(rss_end, 1),
        "rss_mb_bot_peak": round(rss_peak, 1),
        "load_s": round(sum(took.values()), 1),
    }


async def _top_only(dsn: str, posts: int) -> dict[str, object]:
    """`--top-only`: the data set, one guild tracking every post, then /top's query; no bot."""
    pool = await create_pool(dsn, max_size=2)
    try:
        await pool.execute(
            "INSERT INTO guild_posts (guild_id, post_id) SELECT 42, id FROM social_media_posts"
        )
        await pool.execute("ANALYZE guild_posts")
        tops = await top_ms(pool, 42)
    finally:
        await pool.close()
    return {"bench": "interactions", "posts": posts, **{f"top_{k}_ms": round(v, 1) for k, v in tops.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/20 of the data, 1/5 of the calls")
    parser.add_argument("--posts", type=int, default=500_000)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--drain", type=int, default=2_000)
    parser.add_argument("--top-only", action="store_true", help="only the data set and /top's query")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(main_async(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
