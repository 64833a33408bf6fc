"""When a check-back fails for a reason other than a transient one: weigh it, and stop a post only on proof;
and when the database goes away under a run: wait for it, within a bound.

A failed answer about the video (vague or "gone" wording) or a malformed one goes into the post's run of
failures (db/check_faults.py); bot/metrics/evidence.judge says whether the run proves the video gone, makes
the post a poison one, or proves nothing yet (then the check is retried with backoff and done late).
Stopping writes the reason and one outbox notice per guild in the same transaction. Its remaining
check-backs are reported as missed, in the notice and in /tracked.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

import asyncpg

from bot import notices
from bot.metrics.evidence import Streak, judge, next_look
from bot.notices import FailingNotice, UntrackedNotice
from db import check_faults as db_faults
from db import guilds as db_guilds
from db import posts as db_posts
from db.check_faults import FaultKind
from db.claims import ClaimedPost
from db.pool import DATABASE_AWAY, DatabaseUnavailable

log = logging.getLogger(__name__)

Decision = Literal["gone", "poison", "retry"]


async def weigh_failure(
    pool: asyncpg.Pool, post: ClaimedPost, kind: FaultKind, reason: str, now: datetime
) -> tuple[Decision, Streak]:
    """Counts the failure into the post's run and judges the run."""
    async with pool.acquire() as conn:
        run = await db_faults.add_fault(conn, post.id, kind, reason, now)
    streak = Streak(**asdict(run))
    return judge(streak, now), streak


def retry_at(streak: Streak, now: datetime, backoff: Any) -> datetime:
    return next_look(streak, now, backoff)


async def stop_post(
    pool: asyncpg.Pool, post: ClaimedPost, now: datetime, *, failing: Streak | None = None
) -> tuple[bool, int]:
    """Stops the post's schedule: as unavailable (deleted or private, proven), or as failing (`failing`: its
    run of malformed answers). One notice per guild; returns (stopped, notices written)."""
    missed = max(0, len(post.check_schedule) - post.checks_completed)
    if failing is None:
        reason, text = "unavailable", "deleted or private"
    else:
        text = f"failing: {failing.bad_answers} failed checks in a row, last: {failing.last_reason}"[:300]
        reason = text
    async with pool.acquire() as conn, conn.transaction():
        stopped = await db_posts.stop_tracking(
            conn, post.id, reason, now, expected_done=post.checks_completed
        )
        written = 0
        if stopped:
            author, caption, last_views = await db_posts.author_and_caption(conn, post.id)
            about = {
                **notices.about_post(post, author, caption),
                "reason": text,
                "last_views": last_views,
                "checks_completed": post.checks_completed,
                "checks_total": len(post.check_schedule),
                "at": now,
            }
            notice: UntrackedNotice | FailingNotice = (
                UntrackedNotice(**about) if failing is None else FailingNotice(**about, missed=missed)
            )
            guilds = await db_guilds.guilds_of_post(conn, post.id)
            written = await notices.tell_guilds(
                conn, notice, guilds, key=f"{notice.kind}:{post.id}", post_id=post.id, now=now
            )
    if stopped:
        log.warning("post %s stopped (%s); %d check-backs missed", post.id, text, missed)
    return stopped, written


async def wait_for_database(pool: asyncpg.Pool, seconds: float, exc: BaseException) -> None:
    """The database went away mid-run (`exc`): waits up to `seconds` for it to answer again, then returns;
    past that, DatabaseUnavailable (one line for the CLI, the next tick for a bot process)."""
    reason = f"{type(exc).__name__}: {str(exc).strip()[:120]}"
    log.warning("the database went away during the check-backs (%s); waiting up to %g s", reason, seconds)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            async with pool.acquire(timeout=5.0) as conn:
                await conn.fetchval("SELECT 1")
        except DATABASE_AWAY:
            if loop.time() >= deadline:
                raise DatabaseUnavailable(
                    f"the database went away during the check-backs and was not back within {seconds:g} s"
                    f" ({reason})"
                ) from None
            await asyncio.sleep(min(1.0, max(0.0, deadline - loop.time())))
        else:
            log.warning("the database is back; carrying on with the check-backs")
            return
