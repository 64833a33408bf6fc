"""Benchmark: does the metrics client use its allowed rate fully, never burst past it, and cheaply?

2,000 video-info calls (200 with --quick) against the simulator at 50 ms latency; client and simulator both
at 200 requests/s, so any burst from the client shows up as a 429 from the simulator. The simulator runs in
its own process so that `time.process_time()` here is the client's CPU only. No database: the usage
recorder runs with pool None (it counts rows and drops them).

The achieved rate is measured where the API would measure it: (calls - 1) / (last arrival - first arrival)
at the simulator, as a fraction of the allowed rate.

Then the same with the rate shared through Postgres (`shared_limits`, what the bot's processes use; a
scratch database on DATABASE_URL's server or the embedded Postgres, usage rows recorded): first one
process (it must still use the rate fully), then the same number of calls split over three client
processes against the one simulator (together they must stay within the rate: no 429s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.errors import MetricsApiError  # noqa: E402
from bot.metrics import MetricsClient, parse_video_url  # noqa: E402
from bot.sandbox.metrics import MetricsSimulator  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402


def serve(conn: Connection, latency: float, rate_limit: float) -> None:
    """The simulator process: report the base URL, serve until told to stop, then report its counters."""
    asyncio.run(_serve(conn, latency, rate_limit))


async def _serve(conn: Connection, latency: float, rate_limit: float) -> None:
    """Answers "counters" with the counters and arrival span so far (then resets them) until "stop"."""
    sim = MetricsSimulator(latency=latency, rate_limit=rate_limit)
    conn.send(await sim.start())
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, conn.recv) == "counters":
        arrivals = sorted(r.at for r in sim.requests if r.route == "/")
        conn.send({**sim.counters(), "first_arrival": arrivals[0], "last_arrival": arrivals[-1]})
        sim.reset_counters()
        sim.rate_limit = rate_limit  # a fresh bucket for the next run
    await sim.stop()


async def drive(
    base_url: str, calls: int, rate: float, concurrency: int, dsn: str | None = None, first_id: int = 0
) -> dict[str, Any]:
    """`calls` video-info calls at once; with `dsn`, through the rate and budget shared in Postgres."""
    pool = await create_pool(dsn, max_size=4) if dsn else None
    client = MetricsClient(
        base_url,
        rate=rate,
        concurrency=concurrency,
        timeout=15.0,
        retries=4,
        pool=pool,
        shared_limits=pool is not None,
    )
    await client.start()
    # Distinct, available videos (ids ending 403/404 are private/deleted by the simulator's convention), as
    # a check-back run would ask for; parsing is part of the client's work.
    ids = (
        n
        for n in range(7_400_000_000_000_000_000 + first_id, 7_500_000_000_000_000_000)
        if n % 1000 not in (403, 404)
    )
    links = [f"https://www.tiktok.com/@bench_user/video/{next(ids)}" for _ in range(calls)]

    async def one(link: str) -> bool:
        try:
            await client.video_info(parse_video_url(link))
            return True
        except MetricsApiError:
            return False

    cpu_start, wall_start = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(one(link) for link in links))
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    await client.close()
    if pool is not None:
        await pool.close()
    return {
        "ok": sum(results),
        "failed": calls - sum(results),
        "wall_s": wall,
        "cpu_s": cpu,
        "attempts": client.attempts,
        "retried": client.retried,
    }


def client_process(
    conn: Connection, base_url: str, calls: int, rate: float, concurrency: int, dsn: str, first_id: int
) -> None:
    """One of several client processes sharing the rate through Postgres."""
    conn.send(asyncio.run(drive(base_url, calls, rate, concurrency, dsn, first_id)))


def fraction(sim: dict[str, Any], rate: float) -> float:
    span = sim["last_arrival"] - sim["first_arrival"]
    return ((sim["calls"] - 1) / span if span > 0 else float("inf")) / rate


def shared_runs(
    ctx: Any, parent: Connection, base_url: str, calls: int, args: argparse.Namespace
) -> dict[str, Any]:
    """One process, then three processes, on the rate shared through a scratch database."""
    dsn = asyncio.run(create_database("checkback_bench"))
    asyncio.run(migrate(dsn))
    try:
        one = asyncio.run(drive(base_url, calls, args.rate, args.concurrency, dsn, first_id=10_000_000))
        parent.send("counters")
        sim_one = parent.recv()
        pipes, procs = [], []
        for n in range(3):
            mine, theirs = ctx.Pipe()
            share = calls // 3 + (1 if n < calls % 3 else 0)
            proc = ctx.Process(
                target=client_process,
                args=(theirs, base_url, share, args.rate, args.concurrency, dsn, 20_000_000 + n * 1_000_000),
                daemon=True,
            )
            proc.start()
            pipes.append(mine)
            procs.append(proc)
        several = [p.recv() for p in pipes]
        for proc in procs:
            proc.join(timeout=30)
        parent.send("counters")
        sim_three = parent.recv()
    finally:
        asyncio.run(drop_database(dsn))
    failed = one["failed"] + sum(r["failed"] for r in several)
    return {"one": sim_one, "three": sim_three, "failed": failed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 calls instead of 2,000")
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--rate", type=float, default=200.0, help="client rate and simulator rate limit")
    parser.add_argument("--latency", type=float, default=0.05, help="simulator latency, seconds")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    calls = args.calls or (200 if args.quick else 2000)

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=serve, args=(child, args.latency, args.rate), daemon=True)
    server.start()
    try:
        base_url = parent.recv()
        figures = asyncio.run(drive(base_url, calls, args.rate, args.concurrency))
        parent.send("counters")
        sim = parent.recv()
        shared = shared_runs(ctx, parent, base_url, calls, args)
        parent.send("stop")
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()

    span = sim["last_arrival"] - sim["first_arrival"]
    arrival_rate = (sim["calls"] - 1) / span if span > 0 else float("inf")
    rate_fraction = arrival_rate / args.rate
    cpu_ms_per_call = figures["cpu_s"] * 1000 / calls
    print(f"calls {calls}: ok {figures['ok']}, failed {figures['failed']}, attempts {figures['attempts']}")
    print(
        f"allowed rate {args.rate:g}/s; simulator latency {args.latency * 1000:g} ms; concurrency {args.concurrency}"
    )
    print(f"rate at the simulator: {arrival_rate:.1f}/s ({rate_fraction:.3f} of allowed)")
    print(f"wall-clock throughput: {calls / figures['wall_s']:.1f}/s over {figures['wall_s']:.2f} s")
    print(f"simulator 429s: {sim['sent_429']}; max requests in flight there: {sim['max_in_flight']}")
    print(f"client CPU: {figures['cpu_s'] * 1000:.0f} ms total, {cpu_ms_per_call:.3f} ms per call")
    shared_one = fraction(shared["one"], args.rate)
    shared_three = fraction(shared["three"], args.rate)
    shared_429s = shared["one"]["sent_429"] + shared["three"]["sent_429"]
    print(
        f"shared through Postgres, 1 process: {shared_one:.3f} of allowed, "
        f"{shared['one']['sent_429']} 429s, max in flight {shared['one']['max_in_flight']}"
    )
    print(
        f"shared through Postgres, 3 processes together: {shared_three:.3f} of allowed, "
        f"{shared['three']['sent_429']} 429s, max in flight {shared['three']['max_in_flight']}"
    )
    print(
        json.dumps(
            {
                "bench": "metrics_client",
                "rate_fraction": round(rate_fraction, 4),
                "simulator_429s": sim["sent_429"],
                "cpu_ms_per_call": round(cpu_ms_per_call, 4),
                "shared_rate_fraction": round(shared_one, 4),
                "shared_3proc_rate_fraction": round(shared_three, 4),
                "shared_429s": shared_429s,
            }
        )
    )
    return 0 if figures["failed"] == 0 and shared["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
