"""SQL about account snapshots: an account's followers, following, hearts and videos over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    row = await conn.fetchrow(
        """
        INSERT INTO social_media_account_snapshots
            (account_id, captured_at, followers_count, following_count, hearts_count, videos_count,
             likes_given)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (account_id, captured_at) DO NOTHING
        RETURNING id
        """,
        account_id,
        captured_at,
        followers,
        following,
        hearts,
        videos,
        likes_given,
    )
    return row is not None


async def list_snapshots(conn: Any, account_id: int, *, limit: int = 2000) -> list[AccountSnapshot]:
    """The account's snapshots, oldest first (the newest `limit` of them)."""
    rows = await conn.fetch(
        """
        SELECT * FROM (
            SELECT captured_at, followers_count, following_count, hearts_count, videos_count
              FROM social_media_account_snapshots
             WHERE account_id = $1
             ORDER BY captured_at DESC
             LIMIT $2
        ) s ORDER BY captured_at
        """,
        account_id,
        limit,
    )
    return [s for s in (snapshot_of(r) for r in rows) if s is not None]
