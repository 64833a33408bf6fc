"""Benchmark: a month on a small API plan. 30 simulated days (a ManualClock moved from one due event to the
next) of a team watching 20 accounts of different posting habits, with the real services (tracking, the
check-back runner, the account poller, the budget keeper) on Postgres and the metrics API simulator.

Pass 1 runs the month without a budget: its calls are the full plan. Pass 2 runs it again with a budget of
about 80% of that (`--share`), and reports: calls used (never above the budget), check-backs done vs
planned, checks dropped by value class, and how long new posts took to be found (p50/p95, and p95 of the
accounts that post daily). The last line is one JSON object. `--quick`: 10 days.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.checkbacks import CheckbackRunner  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.metrics import MetricsClient  # noqa: E402
from bot.polling import AccountPoller  # noqa: E402
from bot.sandbox.metrics import MetricsSimulator  # noqa: E402
from bot.schedule import DEFAULT_OFFSETS, due_times  # noqa: E402
from bot.shedding import BudgetKeeper  # noqa: E402
from bot.tracking import TrackingService  # noqa: E402
from bot.watches import WatchService  # noqa: E402
from db.admin import create_database, drop_database  # noqa: E402
from db.migrate import migrate  # noqa: E402
from db.pool import create_pool  # noqa: E402

START = datetime(2026, 3, 1, tzinfo=UTC)
GUILD = 1
KEEPER_EVERY = timedelta(hours=1)


@dataclass
class Account:
    name: str
    habit: str  # daily, twice_daily, every_2_3_days, weekly, irregular
    posts: list[datetime] = field(default_factory=list)  # history and the month ahead
    views_30d: float = 100_000


def habits(rng: random.Random, days: int) -> list[Account]:
    """20 accounts: 8 post daily at their hour (±30 min), 4 twice a day, 4 every 2-3 days, 2 weekly and 2
    at random times about every 1.5 days; each with 14 days of history before START."""
    plan = ["daily"] * 8 + ["twice_daily"] * 4 + ["every_2_3_days"] * 4 + ["weekly"] * 2 + ["irregular"] * 2
    accounts = []
    for i, habit in enumerate(plan):
        acct = Account(f"bench_{habit}_{i}", habit, views_30d=10 ** rng.uniform(3, 8))
        hour = rng.uniform(6, 22)
        t = START - timedelta(days=14)
        end = START + timedelta(days=days)
        while t < end:
            if habit == "daily":
                at = t.replace(hour=0, minute=0) + timedelta(hours=hour, minutes=rng.uniform(-30, 30))
                step = timedelta(days=1)
            elif habit == "twice_daily":
                at = t.replace(hour=0, minute=0) + timedelta(hours=hour, minutes=rng.uniform(-30, 30))
                second = at + timedelta(hours=9, minutes=rng.uniform(-30, 30))
                acct.posts.append(second)
                step = timedelta(days=1)
            elif habit == "every_2_3_days":
                at = t.replace(hour=0, minute=0) + timedelta(hours=hour, minutes=rng.uniform(-45, 45))
                step = timedelta(days=rng.choice((2, 3)))
            elif habit == "weekly":
                at = t.replace(hour=0, minute=0) + timedelta(hours=hour, minutes=rng.uniform(-60, 60))
                step = timedelta(days=7)
            else:
                at = t + timedelta(hours=rng.uniform(0, 24))
                step = timedelta(hours=rng.uniform(24, 48))
            acct.posts.append(at)
            t += step
        acct.posts = sorted(p for p in acct.posts if p < end)
        accounts.append(acct)
    return accounts


async def run_month(dsn: str, accounts: list[Account], days: int, budget: int | None) -> dict[str, object]:
    clock = ManualClock(START - timedelta(minutes=5))
    sim = MetricsSimulator(clock=clock, seed=7)
    await sim.start()
    pool = await create_pool(dsn, max_size=10)
    client = MetricsClient(
        str(sim.base_url), rate=10_000, concurrency=16, pool=pool, clock=clock, monthly_budget=budget
    )
    await client.start()
    try:
        ids = 7480000000000000000
        for acct in accounts:
            sim.add_account(acct.name, followers=10_000)
            for at in acct.posts:
                ids += 1
                sim.add_video(str(ids), at, username=acct.name, views_30d=acct.views_30d)
        tracking = TrackingService(pool, client, clock, budget=client.budget)
        runner = CheckbackRunner(pool, client, clock, concurrency=16, budget=client.budget)
        poller = AccountPoller(pool, client, clock, tracking=tracking, budget=client.budget)
        watches = WatchService(pool, client, clock, polling=poller)
        keeper = BudgetKeeper(pool, client.budget, clock, poller=poller)
        for acct in accounts:
            await watches.add(GUILD, acct.name)
        end = START + timedelta(days=days)
        next_keep = clock.now()
        started = time.perf_counter()
        steps = 0
        while True:
            due = [t for t in (await runner.next_due_at(), await poller.next_due_at(), next_keep) if t]
            when = max(min(due), clock.now())
            if when >= end:
                break
            clock.set(when)
            if when >= next_keep:
                await client.recorder.flush()
                await keeper.run()
                next_keep = when + KEEPER_EVERY
            await poller.run_due()
            await runner.run_once()
            steps += 1
        clock.set(end)
        await client.recorder.flush()
        elapsed = time.perf_counter() - started
        return await measure(pool, accounts, end, budget, steps, elapsed)
    finally:
        await client.close()
        await pool.close()
        await sim.stop()


async def measure(pool, accounts, end, budget, steps, elapsed) -> dict[str, object]:  # type: ignore[no-untyped-def]
    habit = {a.name: a.habit for a in accounts}
    async with pool.acquire() as conn:
        used = int(await conn.fetchval("SELECT coalesce(sum(request_count), 0) FROM api_usage_tracking"))
        rows = await conn.fetch("SELECT payload FROM notification_outbox WHERE kind = 'new_post'")
        posts = await conn.fetch(
            "SELECT id, posted_at, tracking_started_at FROM social_media_posts WHERE tracking_started_at IS NOT NULL"
        )
        done = int(
            await conn.fetchval(
                "SELECT count(*) FROM social_media_post_analytics WHERE check_index > 0 AND captured_at < $1",
                end,
            )
        )
        dropped = {
            r["value_class"]: int(r["n"])
            for r in await conn.fetch(
                "SELECT value_class, count(*) AS n FROM dropped_checks GROUP BY value_class"
            )
        }
    latency: dict[str, list[float]] = {}
    tracked = 0
    for r in rows:
        p = r["payload"]
        found = datetime.fromisoformat(p["discovered_at"]) - datetime.fromisoformat(p["posted_at"])
        latency.setdefault(habit.get(p["account"], "?"), []).append(found.total_seconds() / 60)
        tracked += bool(p["tracked"])
    # Planned: every check of every post found this month that falls due before the month's end, counted
    # from its publish time (those already past when it was found included: a late find loses them).
    planned = sum(1 for p in posts for when in due_times(p["posted_at"], DEFAULT_OFFSETS) if when < end)
    every = sorted(x for xs in latency.values() for x in xs)
    daily = sorted(latency.get("daily", []))
    return {
        "calls_used": used,
        "budget": budget,
        "checks_done": done,
        "checks_planned": planned,
        "checks_done_ratio": round(done / planned, 3) if planned else None,
        "dropped": dropped,
        "new_posts": len(every),
        "tracked": tracked,
        "discovery_p50_min": round(statistics.median(every), 1) if every else None,
        "discovery_p95_min_all": round(pct(every, 95), 1) if every else None,
        "discovery_p95_min": round(pct(daily, 95), 1) if daily else None,
        "by_habit_p95_min": {h: round(pct(sorted(xs), 95), 1) for h, xs in sorted(latency.items())},
        "steps": steps,
        "seconds": round(elapsed, 1),
    }


def pct(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    days = 10 if args.quick else 30
    accounts = habits(random.Random(args.seed), days)
    results = []
    budget = args.budget
    for label in ("full plan (no budget)", "with a budget") if budget is None else ("with a budget",):
        dsn = await create_database("checkback_bench_budget")
        try:
            await migrate(dsn)
            result = await run_month(dsn, accounts, days, budget)
        finally:
            await drop_database(dsn)
        print(f"{label}: {json.dumps(result)}", flush=True)
        results.append(result)
        if budget is None:
            budget = round(int(result["calls_used"]) * args.share)  # type: ignore[call-overload]
    full, final = results[0], results[-1]
    print(
        f"{days} days, 20 accounts: full plan {full['calls_used']} calls; budget {final['budget']} "
        f"({args.share:.0%}); used {final['calls_used']} ({'within' if final['calls_used'] <= final['budget'] else 'OVER'} budget)"
    )
    print(
        f"check-backs done {final['checks_done']} of {final['checks_planned']} planned "
        f"({final['checks_done_ratio']}); without a budget {full['checks_done']} "
        f"({full['checks_done_ratio']}); dropped by value class {final['dropped']}"
    )
    print(
        f"new posts {final['new_posts']} ({final['tracked']} tracked); discovery p50 "
        f"{final['discovery_p50_min']} min, p95 {final['discovery_p95_min_all']} min (all), "
        f"{final['discovery_p95_min']} min (daily posters); p95 by habit {final['by_habit_p95_min']}"
    )
    return {
        "calls_used": final["calls_used"],
        "budget": final["budget"],
        "full_plan": full["calls_used"],
        "discovery_p50_min": final["discovery_p50_min"],
        "discovery_p95_min": final["discovery_p95_min"],
        "discovery_p95_min_all": final["discovery_p95_min_all"],
        "checks_done_ratio": final["checks_done_ratio"],
        "checks_done_ratio_unbudgeted": full["checks_done_ratio"],
        "dropped": final["dropped"],
        "days": days,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 simulated days instead of 30")
    parser.add_argument("--share", type=float, default=0.8, help="the budget as a share of the full plan")
    parser.add_argument("--budget", type=int, default=None, help="a fixed budget (skips the full-plan pass)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    print(json.dumps(figures))
    return 0 if figures["calls_used"] <= figures["budget"] else 1  # type: ignore[operator]


if __name__ == "__main__":
    raise SystemExit(main())
