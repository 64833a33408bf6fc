"""SQL of the check-back claim cycle: claim due posts (FOR UPDATE SKIP LOCKED, a lease), advance the
schedule, release a failed check, postpone past the budget, and when the next check falls due; a benchmark's
own: the claim explained, next checks put back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.rows import record_of
from db.schedule_codec import schedule_from_json


@dataclass(frozen=True, slots=True)
class ClaimedPost:
    """A due post claimed by a runner until `claimed_until`."""

    id: int
    account_id: int
    external_post_id: str
    post_url: str
    posted_at: datetime | None
    check_schedule: list[datetime]
    checks_completed: int
    next_check_at: datetime
    check_failures: int


_CLAIM = """
    WITH due AS (
        SELECT id FROM social_media_posts
         WHERE tracking_complete = false AND next_check_at IS NOT NULL AND next_check_at <= $1
           AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY next_check_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
    )
    UPDATE social_media_posts p
       SET claimed_until = $1 + $3::interval
      FROM due
     WHERE p.id = due.id
    RETURNING p.id, p.account_id, p.external_post_id, p.post_url, p.posted_at, p.check_schedule,
              coalesce(p.checks_completed, 0) AS checks_completed, p.next_check_at, p.check_failures
"""


async def claim_due(conn: Any, now: datetime, limit: int, lease: timedelta) -> list[ClaimedPost]:
    """Claims up to `limit` due posts, oldest due first, for `lease`; rows another transaction holds are
    skipped (SKIP LOCKED), and an expired lease (a crashed runner's) can be claimed again.

    The WHERE clause repeats the partial index's predicate so the planner walks idx_posts_next_check.
    """
    rows = await conn.fetch(_CLAIM, now, limit, lease)
    claimed = [
        record_of(ClaimedPost, r, check_schedule=schedule_from_json(r["check_schedule"])) for r in rows
    ]
    claimed.sort(key=lambda c: c.next_check_at)
    return claimed


async def explain_claim_due(conn: Any, now: datetime, limit: int, lease: timedelta) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS, WAL) of claim_due's statement, run in a transaction rolled back (nothing
    stays claimed), for the benchmark's account of where the claim's time goes."""
    tx = conn.transaction()
    await tx.start()
    try:
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, WAL) " + _CLAIM, now, limit, lease)
    finally:
        await tx.rollback()
    return [r[0] for r in rows]


async def complete_check(
    conn: Any,
    post_id: int,
    *,
    expected_done: int,
    done: int,
    next_check_at: datetime | None,
    now: datetime,
) -> bool:
    """Advances the schedule to `done` checks (record_check_completion's rule: after the last one
    tracking_complete is set and next_check_at cleared) and clears the lease.

    Only when checks_completed is still `expected_done` and tracking was not stopped meanwhile: a slow
    runner whose lease expired and whose check another runner recorded changes nothing (False).
    """
    row = await conn.fetchrow(
        """
        UPDATE social_media_posts
           SET checks_completed = $3, next_check_at = $4, tracking_complete = ($4::timestamptz IS NULL),
               claimed_until = NULL, check_failures = 0, last_checked_at = $5, updated_at = $5
         WHERE id = $1 AND coalesce(checks_completed, 0) = $2 AND tracking_complete = false
           AND next_check_at IS NOT NULL
        RETURNING id
        """,
        post_id,
        expected_done,
        done,
        next_check_at,
        now,
    )
    return row is not None


async def release_claim(conn: Any, post_id: int, *, expected_done: int, retry_at: datetime) -> bool:
    """A transient failure: the check stays due (next_check_at unchanged) but is not claimable before
    `retry_at` (the lease doubles as the backoff); check_failures counts the attempts."""
    row = await conn.fetchrow(
        """
        UPDATE social_media_posts
           SET claimed_until = $3, check_failures = check_failures + 1
         WHERE id = $1 AND coalesce(checks_completed, 0) = $2
        RETURNING id
        """,
        post_id,
        expected_done,
        retry_at,
    )
    return row is not None


async def postpone(conn: Any, post_ids: Sequence[int], until: datetime) -> int:
    """Moves the posts' next check to `until` (the budget ran out); the schedule itself is kept, so the
    check that runs then coalesces what was missed."""
    status = await conn.execute(
        """
        UPDATE social_media_posts SET next_check_at = $2, claimed_until = NULL
         WHERE id = ANY($1::int[]) AND tracking_complete = false AND next_check_at IS NOT NULL
        """,
        list(post_ids),
        until,
    )
    return int(status.split()[-1])


async def set_next_checks(conn: Any, next_at: Mapping[int, datetime | None]) -> None:
    """Sets each post's next check to its time, its lease cleared: a benchmark putting back the posts it made
    due or claimed."""
    await conn.execute(
        """
        UPDATE social_media_posts p SET next_check_at = v.at, claimed_until = NULL
          FROM unnest($1::int[], $2::timestamptz[]) AS v(id, at) WHERE p.id = v.id
        """,
        list(next_at),
        list(next_at.values()),
    )


async def next_due_at(conn: Any, now: datetime) -> datetime | None:
    """When the next claimable check falls due: the soonest next_check_at, or a backoff's end if later.

    Looks at the first 100 by next_check_at only (index order), which is exact unless more than 100 posts
    are backing off at once; the runner's interval tick covers that case.
    """
    return await conn.fetchval(
        """
        SELECT min(greatest(next_check_at, coalesce(claimed_until, next_check_at)))
          FROM (SELECT next_check_at, claimed_until FROM social_media_posts
                 WHERE tracking_complete = false AND next_check_at IS NOT NULL
                 ORDER BY next_check_at LIMIT 100) AS soon
        """
    )


async def count_due(conn: Any, now: datetime) -> int:
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM social_media_posts
             WHERE tracking_complete = false AND next_check_at IS NOT NULL AND next_check_at <= $1
            """,
            now,
        )
    )


async def pending_checks_before(conn: Any, until: datetime, *, exclude_post: int | None = None) -> int:
    """Checks still to run before `until` over all tracked posts (what the month's budget must cover)."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*)
              FROM social_media_posts p,
                   LATERAL jsonb_array_elements_text(p.check_schedule) WITH ORDINALITY AS s(at, n)
             WHERE p.tracking_complete = false AND p.next_check_at IS NOT NULL
               AND p.next_check_at < $1 AND ($2::int IS NULL OR p.id <> $2)
               AND s.n > coalesce(p.checks_completed, 0) AND s.at::timestamptz < $1
            """,
            until,
            exclude_post,
        )
    )
