"""`python -m bot check` with its Postgres restarted under it: it waits, carries on, and never prints a
traceback; with the database gone for good, it stops with one line."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.clock import ManualClock
from bot.comment_checks import CommentChecker
from bot.sandbox.metrics import MetricsSimulator
from bot.schedule import DEFAULT_OFFSETS
from db import seed as db_seed
from db.claims import ClaimedPost
from db.migrate import migrate
from db.pool import connect
from tests.cli import ROOT, cli_env
from tests.private_postgres import PrivatePostgres
from tests.reliability.helpers import CutPool

POSTS = 12


class Check:
    """`python -m bot check` as a child process whose stderr is read line by line as it comes."""

    def __init__(self, dsn: str, sim: MetricsSimulator, wait: float) -> None:
        self.env = cli_env(
            dsn,
            METRICS_API_BASE_URL=str(sim.base_url),
            METRICS_API_CONCURRENCY="2",
            METRICS_API_RATE="1000",
            DATABASE_OUTAGE_WAIT=str(wait),
            DATABASE_POOL_SIZE="3",
            LOG_LEVEL="WARNING",
        )
        self.lines: list[str] = []
        self._seen = asyncio.Condition()

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "check",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            async with self._seen:
                self.lines.append(raw.decode().rstrip("\n"))
                self._seen.notify_all()

    async def wait_for_line(self, text: str) -> None:
        async with asyncio.timeout(60), self._seen:
            await self._seen.wait_for(lambda: any(text in line for line in self.lines))

    async def finish(self) -> tuple[int, str, str]:
        async with asyncio.timeout(120):
            assert self.proc.stdout is not None
            out = (await self.proc.stdout.read()).decode()
            code = await self.proc.wait()
            await self._reader
        return code, out, "\n".join(self.lines)


async def _seeded(pg: PrivatePostgres) -> None:
    await migrate(pg.dsn)
    conn = await connect(pg.dsn)
    try:
        await db_seed.seed_due_posts(
            conn,
            count=POSTS,
            due=datetime.now(UTC),
            offsets=DEFAULT_OFFSETS,
            username="restart_me",
            first_video_id=7_301_000_000_000_000_001,
        )
    finally:
        await conn.close()


async def _seeded_check(pg: PrivatePostgres, sim: MetricsSimulator, *, wait: float) -> Check:
    """POSTS due posts on the private server, and `python -m bot check` started on them."""
    await _seeded(pg)
    check = Check(pg.dsn, sim, wait)
    await check.start()
    return check


async def _wait_for_calls(sim: MetricsSimulator, count: int) -> None:
    async with asyncio.timeout(60):
        while sim.calls < count:  # noqa: ASYNC110 - the simulator's counter has no event to wait on
            await asyncio.sleep(0.02)


@pytest.fixture
async def slow_sim() -> AsyncIterator[MetricsSimulator]:
    sim = MetricsSimulator(seed=3, latency=0.4)  # two checks in flight, 0.4 s each: a run of seconds
    await sim.start()
    yield sim
    await sim.stop()


async def test_check_waits_for_a_restarted_database_and_carries_on(
    private_pg: PrivatePostgres, slow_sim: MetricsSimulator
) -> None:
    check = await _seeded_check(private_pg, slow_sim, wait=60)
    await _wait_for_calls(slow_sim, 3)  # mid-run: some checks recorded, two in flight
    await private_pg.astop()
    await check.wait_for_line("the database went away")
    await private_pg.astart()
    code, out, err = await check.finish()

    assert code == 0, err
    assert "Traceback" not in err and "never retrieved" not in err, err
    assert "the database is back" in err
    conn = await connect(private_pg.dsn)
    try:
        recorded = await conn.fetchval(
            "SELECT count(*) FROM social_media_post_analytics WHERE check_index = 1"
        )
        leased = await conn.fetchval(
            "SELECT count(*) FROM social_media_posts WHERE checks_completed = 0 AND claimed_until > now()"
        )
    finally:
        await conn.close()
    # Every post is either checked or held by its lease (checked again when it expires): none is lost.
    assert recorded + leased == POSTS and recorded >= POSTS - 4, (recorded, leased)
    assert out.count("recorded") == recorded


async def test_check_stops_with_one_line_when_the_database_stays_away(
    private_pg: PrivatePostgres, slow_sim: MetricsSimulator
) -> None:
    check = await _seeded_check(private_pg, slow_sim, wait=2)
    await _wait_for_calls(slow_sim, 3)
    await private_pg.astop()
    code, _, err = await check.finish()

    assert code == 4, err
    assert "Traceback" not in err and "never retrieved" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors == [err.splitlines()[-1]]
    assert "not back within 2 s" in errors[0]


async def test_the_comment_step_of_a_recorded_check_skips_an_outage_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The check-back is recorded; its comment step meets the database gone (the run waits for it at its
    next statement): a warning line, no traceback."""
    post = cast(ClaimedPost, SimpleNamespace(id=7))
    checker = CommentChecker(
        CutPool(), cast(Any, None), ManualClock(datetime.now(UTC)), budget=cast(Any, None)
    )
    with caplog.at_level(logging.WARNING, logger="bot.comment_checks"):
        await checker.after_check(post, 1)
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert (
        "comment questions of post 7 skipped: the database went away (InternalClientError" in record.message
    )
