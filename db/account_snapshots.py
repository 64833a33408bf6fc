"""SQL about account snapshots: an account's followers, following, hearts and videos over time, one a UTC
day in the original's social_media_analytics_snapshots (hearts are its total_likes, videos its posts_count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account's counts at one moment (None: the API did not say)."""

    captured_at: datetime
    followers: int | None
    following: int | None
    hearts: int | None
    videos: int | None


def snapshot_of(row: Any, prefix: str = "") -> AccountSnapshot | None:
    """The snapshot in `row`'s columns (named with `prefix`); None when the row has none."""
    if row[f"{prefix}captured_at"] is None:
        return None
    return AccountSnapshot(
        captured_at=row[f"{prefix}captured_at"],
        followers=row[f"{prefix}followers_count"],
        following=row[f"{prefix}following_count"],
        hearts=row[f"{prefix}hearts_count"],
        videos=row[f"{prefix}videos_count"],
    )


async def insert_snapshot(
    conn: Any,
    account_id: int,
    captured_at: datetime,
    *,
    followers: int | None,
    following: int | None,
    hearts: int | None,
    videos: int | None,
    likes_given: int | None,
) -> bool:
    """Records the numbers as the account's snapshot of the UTC day (the original's table keeps one a day):
    a later capture of the same day replaces it. False (nothing written) when a capture of that day at or
    after `captured_at` is already recorded."""
    at = captured_at.astimezone(UTC)
    row = await conn.fetchrow(
        """
        INSERT INTO social_media_analytics_snapshots AS s
            (account_id, snapshot_date, followers_count, following_count, posts_count, total_likes,
             likes_given, follower_growth, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7,
                $3 - (SELECT p.followers_count FROM social_media_analytics_snapshots p
                       WHERE p.account_id = $1 AND p.snapshot_date < $2
                       ORDER BY p.snapshot_date DESC LIMIT 1),
                $8)
        ON CONFLICT (account_id, snapshot_date) DO UPDATE
           SET followers_count = EXCLUDED.followers_count, following_count = EXCLUDED.following_count,
               posts_count = EXCLUDED.posts_count, total_likes = EXCLUDED.total_likes,
               likes_given = EXCLUDED.likes_given, follower_growth = EXCLUDED.follower_growth,
               created_at = EXCLUDED.created_at
         WHERE s.created_at IS NULL OR s.created_at < EXCLUDED.created_at
        RETURNING id
        """,
        account_id,
        at.date(),
        _int4(followers),
        _int4(following),
        _int4(videos),
        hearts,
        likes_given,
        at,
    )
    return row is not None


def _int4(value: int | None) -> int | None:
    """The original's integer columns hold at most 2**31 - 1; a bogus larger answer must not fail a poll."""
    return None if value is None else min(value, 2**31 - 1)


# The original's columns under the names AccountSnapshot is read from; a row the original wrote without a
# creation time counts as captured at the start of its day.
SNAPSHOT_COLUMNS = """
    coalesce(s.created_at, s.snapshot_date::timestamp AT TIME ZONE 'UTC') AS captured_at,
    s.followers_count, s.following_count, s.total_likes AS hearts_count, s.posts_count AS videos_count
"""


async def list_snapshots(conn: Any, account_id: int, *, limit: int = 2000) -> list[AccountSnapshot]:
    """The account's daily snapshots, oldest first (the newest `limit` days), the original's included."""
    rows = await conn.fetch(
        f"""
        SELECT * FROM (
            SELECT s.snapshot_date, {SNAPSHOT_COLUMNS}
              FROM social_media_analytics_snapshots s
             WHERE s.account_id = $1
             ORDER BY s.snapshot_date DESC
             LIMIT $2
        ) s ORDER BY snapshot_date
        """,  # noqa: S608 - a constant column list
        account_id,
        limit,
    )
    return [s for s in (snapshot_of(r) for r in rows) if s is not None]
