"""`python -m bot watch add|list|poll|stats|remove` as subprocesses on the test database and the simulator."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.clock import ManualClock
from bot.sandbox.metrics import MetricsSimulator, SimAccount
from tests import cli
from tests.watch.conftest import World
from tests.watch.helpers import outbox


@pytest.fixture
def clock() -> ManualClock:
    return cli.wall_clock()


async def run_watch(dsn: str, sim: MetricsSimulator, *args: str, **env: str) -> tuple[int, str, str]:
    """`python -m bot watch ARGS` on the simulator: the exit code, stdout and stderr."""
    return await cli.run_on_sim(dsn, sim, "watch", *args, **env)


async def test_the_cli_watches_polls_shows_and_removes_an_account(world: World, dsn: str) -> None:
    world.sim.add_account("maker_jo", videos=3)
    code, out, err = await run_watch(dsn, world.sim, "add", "@maker_jo")
    assert code == 0, err
    assert "watching @maker_jo" in out and "3 existing video(s) recorded" in out
    assert await world.pool.fetchval("SELECT guild_id FROM account_watch_guilds") is None  # the CLI's watch

    (c1, listed, e1), (c2, idle, e2) = await asyncio.gather(
        run_watch(dsn, world.sim, "list"), run_watch(dsn, world.sim, "poll")
    )
    assert c1 == 0 and c2 == 0, (e1, e2)
    assert "@maker_jo" in listed and "next look" in listed
    assert "no account polls due" in idle

    # An hour on, the account has posted and its poll is due.
    world.clock.advance(timedelta(hours=1))
    world.sim.add_video("7300000000000000777", world.clock.now() - timedelta(minutes=5), username="maker_jo")
    await world.pool.execute("UPDATE account_watches SET next_poll_at = now() - interval '1 minute'")
    code, out, err = await run_watch(dsn, world.sim, "poll")
    assert code == 0, err
    assert "@maker_jo: 1 new post(s) announced" in out
    [row] = await outbox(world.pool, "new_post")
    assert row["dedupe_key"] == "new_post:cli:7300000000000000777" and row["payload"]["tracked"]

    code, out, err = await run_watch(dsn, world.sim, "stats", "maker_jo")
    assert code == 0, err
    # One snapshot a UTC day: the add and the poll, seconds apart on the wall clock, make one (two across
    # midnight).
    assert re.search(r"\b[12] snapshots", out) and "followers" in out

    code, out, err = await run_watch(dsn, world.sim, "remove", "maker_jo")
    assert code == 0 and "polling stopped" in out, err
    code, out, err = await run_watch(dsn, world.sim, "remove", "maker_jo")
    assert code == 1 and err.strip() == "error: No account named @maker_jo being watched here."


async def test_the_cli_refuses_a_missing_account_and_bad_usage(world: World, dsn: str) -> None:
    (c1, _, e1), (c2, _, e2) = await asyncio.gather(
        run_watch(dsn, world.sim, "add", "nobody404"), run_watch(dsn, world.sim, "frobnicate")
    )
    assert c1 == 1 and "does not exist or is private" in e1
    assert c2 == 2
    assert await world.pool.fetchval("SELECT count(*) FROM account_watches") == 0


# --- what `watch poll` prints for an account it recorded nothing for ---------------------------------------
async def watched_and_due(world: World, dsn: str, username: str) -> SimAccount:
    """`username` watched from the CLI, its next poll due now; the simulator's account."""
    account = world.sim.add_account(username, videos=2)
    code, _, err = await run_watch(dsn, world.sim, "add", username)
    assert code == 0, err
    await world.pool.execute("UPDATE account_watches SET next_poll_at = now() - interval '1 minute'")
    return account


async def poll_line(dsn: str, world: World, **env: str) -> str:
    """The one line `watch poll` prints."""
    return await cli.one_line(dsn, world.sim, "watch", "poll", **env)


async def next_poll(world: World) -> datetime:
    return await world.pool.fetchval("SELECT next_poll_at FROM account_watches")


@pytest.mark.parametrize(
    ("change", "reason"), [("private", "private"), ("removed", "deleted or does not exist")]
)
async def test_poll_of_an_account_gone_private_or_removed_says_no_longer_watched(
    world: World, dsn: str, change: str, reason: str
) -> None:
    account = await watched_and_due(world, dsn, "maker_jo")
    if change == "private":
        account.private = True
    else:
        world.sim.remove_account("maker_jo")
    assert await poll_line(dsn, world) == f"@maker_jo: account {reason}; no longer watched"


async def test_poll_when_the_api_fails_says_when_it_looks_again(world: World, dsn: str) -> None:
    await watched_and_due(world, dsn, "maker_jo")
    world.sim.fail_next(1, "error")
    line = await poll_line(dsn, world)
    assert line == (
        "@maker_jo: API failed (/user/info failed 1 time; last: HTTP 503); "
        f"again at {cli.minute(await next_poll(world))}"
    )
    # What is stored for the operator keeps the error's class.
    assert await world.pool.fetchval("SELECT last_error FROM account_watches") == (
        "ApiUnavailable: /user/info failed 1 time; last: HTTP 503"
    )


async def test_poll_past_the_budget_says_postponed_to_the_1st(world: World, dsn: str) -> None:
    await watched_and_due(world, dsn, "maker_jo")  # two calls of the month: the add's
    line = await poll_line(dsn, world, METRICS_API_MONTHLY_BUDGET="4")
    until = await next_poll(world)
    assert until.day == 1 and until.astimezone(UTC).time() == time(0, 0)
    assert line == f"@maker_jo: API budget nearly used; postponed to {cli.minute(until)}"
