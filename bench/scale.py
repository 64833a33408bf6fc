"""Benchmark: check-back throughput with 1, 2 and 3 `python -m bot run --role worker` processes on one Postgres.

3,000 posts (`--quick`: 600) fall due at the same moment; the workers drain them together. Each worker is
bounded to CONCURRENCY checks in flight (METRICS_API_CONCURRENCY) and the simulator answers after LATENCY,
so one worker can do at most about CONCURRENCY / LATENCY checks a second whatever the machine: the worker
is the bottleneck, and adding workers should add throughput until the CPU or Postgres runs out. The API
rate is set far above that (and enforced through the shared Postgres rate slots, as in production).

The simulator and the Discord emulator (which the workers log in to) run in their own process, so they do
not compete with the bench's own event loop. Every worker is started and has reported "worker running"
before the posts fall due; all of them wake at that moment (their scheduler's wake-up is armed at the due time),
and throughput is posts / (last snapshot's captured_at - due time).

Duplicates: (post, check_index) pairs recorded more than once, plus video-info calls beyond one per post
(work a second worker did on a post another one held); both must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench._common import command_line, spawn  # noqa: E402
from bot.sandbox.child_env import bot_process_env  # noqa: E402
from bot.sandbox.discord import DiscordEmulator  # noqa: E402
from bot.sandbox.metrics import MetricsSimulator  # noqa: E402
from bot.schedule import DEFAULT_OFFSETS  # noqa: E402
from db import seed as db_seed  # noqa: E402
from db import snapshots as db_snapshots  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402

TOKEN = "scale-bench-token"
LATENCY = 0.1
CONCURRENCY = 6
API_RATE = 5000.0
LEAD = 6.0  # seconds from starting the workers to the posts falling due, plus 3 s per worker


def serve(conn: Connection, latency: float) -> None:
    """The outside world's process: simulator and emulator; answers "counters" (and resets them) and "stop"."""
    asyncio.run(_serve(conn, latency))


async def _serve(conn: Connection, latency: float) -> None:
    sim = MetricsSimulator(latency=latency, log_size=10)
    emu = DiscordEmulator()
    await sim.start()
    await emu.start()
    emu.add_bot(TOKEN, "Checkback")
    conn.send({"sim": sim.base_url, "emu": emu.base_url})
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "counters":
            conn.send(sim.counters())
            sim.reset_counters()
        else:
            break
    await sim.stop()
    await emu.stop()


async def seed(pool, count: int, due: datetime) -> None:  # type: ignore[no-untyped-def]
    """`count` tracked posts of guild 1 whose 1-hour check falls due at `due` (after emptying the last run's)."""
    await pool.execute(
        "TRUNCATE social_media_posts, guild_posts, social_media_post_analytics, notification_outbox CASCADE"
    )
    await db_seed.seed_due_posts(
        pool,
        count=count,
        due=due,
        offsets=DEFAULT_OFFSETS,
        username="scale_bench",
        first_video_id=7480000000000000001,
    )


def worker_env(dsn: str, urls: dict[str, str]) -> dict[str, str]:
    return bot_process_env(
        dsn,
        token=TOKEN,
        discord_url=urls["emu"],
        metrics_url=urls["sim"],
        METRICS_API_RATE=str(API_RATE),
        METRICS_API_CONCURRENCY=str(CONCURRENCY),
        LOG_LEVEL="INFO",
    )


async def wait_ready(logs: list[Path], procs: list[asyncio.subprocess.Process], within: float = 120) -> None:
    deadline = time.monotonic() + within
    while True:
        for proc, log in zip(procs, logs, strict=True):
            if proc.returncode is not None:
                raise RuntimeError(f"a worker exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        if all("worker running" in log.read_text(errors="replace") for log in logs):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("workers did not start")
        await asyncio.sleep(0.1)


async def run_with(
    workers: int, posts: int, dsn: str, pool, urls: dict[str, str], parent: Connection
) -> dict:  # type: ignore[no-untyped-def]
    """Start `workers` processes, let `posts` fall due at once, time the drain; returns its figures.

    The posts are seeded due at a moment far enough ahead for every worker to start: a worker's first
    scheduler run finds nothing due and arms its wake-up for that moment, so all of them start draining
    together. A worker that was not ready in time would start late; that is detected and the run repeated
    with a longer lead.
    """
    lead = LEAD + 3.0 * workers
    for _ in range(3):
        figures = await _run_once(workers, posts, dsn, pool, urls, parent, lead)
        if figures is not None:
            return figures
        lead *= 2
        print(f"  a worker was not ready before the posts fell due; again with {lead:.0f} s of lead")
    raise RuntimeError("workers never started in time")


async def _run_once(  # type: ignore[no-untyped-def]
    workers: int, posts: int, dsn: str, pool, urls: dict[str, str], parent: Connection, lead: float
) -> dict | None:
    due = datetime.now(UTC) + timedelta(seconds=lead)
    await seed(pool, posts, due)
    env = worker_env(dsn, urls)
    tmp = Path(tempfile.mkdtemp(prefix="checkback-scale-"))
    logs = [tmp / f"worker{n}.log" for n in range(workers)]
    procs = []
    for log in logs:
        with log.open("wb") as out:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    "--role",
                    "worker",
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=out,
                )
            )
    try:
        await wait_ready(logs, procs)
        ready_late = datetime.now(UTC) > due - timedelta(seconds=0.5)
        deadline = time.monotonic() + lead + posts / 5 + 120
        while await pool.fetchval("SELECT count(*) FROM social_media_post_analytics") < posts:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{workers} worker(s) did not finish {posts} checks")
            await asyncio.sleep(0.2)
        last = await pool.fetchval("SELECT max(captured_at) FROM social_media_post_analytics")
        first = await pool.fetchval("SELECT min(captured_at) FROM social_media_post_analytics")
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
    async with pool.acquire() as conn:
        duplicates = await db_snapshots.count_duplicates(conn)
    parent.send("counters")
    counters = parent.recv()
    if ready_late:
        return None
    extra_calls = counters["calls_by_route"].get("/", 0) - posts
    elapsed = (last - due).total_seconds()
    return {
        "workers": workers,
        "throughput": posts / elapsed,
        "elapsed": elapsed,
        "first_check_after_due": (first - due).total_seconds(),
        "duplicates": duplicates,
        "extra_calls": extra_calls,
        "max_in_flight": counters["max_in_flight"],
    }


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    posts = 600 if args.quick else args.posts
    parent, server = spawn(serve, LATENCY)
    urls = parent.recv()
    dsn = await create_database("checkback_bench")
    results = []
    try:
        await migrate(dsn)
        pool = await create_pool(dsn, max_size=4)
        try:
            for workers in (1, 2, 3):
                r = await run_with(workers, posts, dsn, pool, urls, parent)
                results.append(r)
                print(
                    f"{workers} worker(s): {posts} checks in {r['elapsed']:.2f} s after falling due "
                    f"(first after {r['first_check_after_due']:.2f} s) = {r['throughput']:.1f} checks/s; "
                    f"duplicates {r['duplicates']}, extra API calls {r['extra_calls']}, "
                    f"max in flight at the API {r['max_in_flight']}",
                    flush=True,
                )
        finally:
            await pool.close()
    finally:
        parent.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
        await drop_database(dsn)
    base = results[0]["throughput"]
    bound = CONCURRENCY / LATENCY
    print(f"per-worker bound: {CONCURRENCY} in flight / {LATENCY * 1000:.0f} ms = {bound:.0f} checks/s")
    print("speed-up: " + ", ".join(f"{r['workers']}: {r['throughput'] / base:.2f}x" for r in results))
    return {
        "bench": "scale",
        "throughput": {str(r["workers"]): round(r["throughput"], 1) for r in results},
        "duplicates": sum(r["duplicates"] + max(0, r["extra_calls"]) for r in results),
    }


main = command_line(main_async, __doc__, quick="600 posts instead of 3,000", posts=3000)


if __name__ == "__main__":
    raise SystemExit(main())
