"""What the benches share: a server process on a pipe, the timed claim and its time in the server, and the end
of the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from db import claims as db_claims

CLAIM_LEASE = timedelta(minutes=5)
CLAIM_RUNS = 25  # the committed claims a bench times (each of 64 posts: it makes CLAIM_RUNS × 64 due)


def spawn(target: Callable[..., None], *args: Any) -> tuple[Connection, BaseProcess]:
    """`target(pipe_end, *args)` in a spawned daemon process; returns the other end of the pipe and the
    process."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=target, args=(child, *args), daemon=True)
    server.start()
    return parent, server


async def median_committed_claim_ms(
    conn: Any, now: datetime, runs: int = CLAIM_RUNS, pause: float = 0.05
) -> float:
    """The real claim of 64 due posts as production runs it, `runs` times, `pause` seconds apart: each claim
    committed, on posts no earlier claim took, and the posts it took then moved out of reach as a completed
    check moves them (next check after `now`, no lease); the median in milliseconds. Every post a claim took
    gets its next check back at the end. Needs `runs` × 64 posts due as of `now`."""
    timings = []
    taken: dict[int, datetime] = {}
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            claimed = await db_claims.claim_due(conn, now, 64, CLAIM_LEASE)
            timings.append((time.perf_counter() - t0) * 1000)
            taken.update((c.id, c.next_check_at) for c in claimed)
            assert len(claimed) == 64, len(claimed)
            await db_claims.postpone(conn, [c.id for c in claimed], now + timedelta(days=1))
            await asyncio.sleep(pause)
    finally:
        await db_claims.set_next_checks(conn, taken)
    return statistics.median(timings)


async def median_claim_exec_ms(conn: Any, now: datetime, runs: int = 5) -> tuple[list[str], float]:
    """The server's own time for the claim of 64 due posts (db.claims.explain_claim_due: EXPLAIN ANALYZE's
    execution time, rolled back, so nothing stays claimed): the first plan, and the median of `runs` in
    milliseconds. The part of the claim the machine's other load does not stretch."""
    plans = [await db_claims.explain_claim_due(conn, now, 64, CLAIM_LEASE) for _ in range(runs)]
    return plans[0], statistics.median(execution_ms(plan) for plan in plans)


def execution_ms(plan: list[str]) -> float:
    """EXPLAIN ANALYZE's "Execution Time: N ms" line, in ms."""
    [line] = [line for line in plan if line.startswith("Execution Time:")]
    return float(line.split()[2])


def command_line(
    main_async: Callable[[argparse.Namespace], Awaitable[object]], doc: str, *, quick: str, **sizes: int
) -> Callable[[], int]:
    """A bench's `main`: parses --quick (`quick` says what it does) and one --NAME N option for each of
    `sizes` (its default), runs the bench and prints its figures as one JSON line."""

    def main() -> int:
        parser = argparse.ArgumentParser(description=doc.splitlines()[0])
        parser.add_argument("--quick", action="store_true", help=quick)
        for name, default in sizes.items():
            parser.add_argument(f"--{name}", type=int, default=default)
        print(json.dumps(asyncio.run(main_async(parser.parse_args()))))
        return 0

    return main
