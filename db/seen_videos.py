"""SQL about a watched account's seen videos: each recorded once (the unique key that makes an
announcement happen once), and their publish times (the account's posting rate)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from db.rows import insert_new


async def seen_among(conn: Any, account_id: int, video_ids: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT video_id FROM account_watch_seen_videos WHERE account_id = $1 AND video_id = ANY($2::text[])",
        account_id,
        list(video_ids),
    )
    return {r["video_id"] for r in rows}


async def record_seen(
    conn: Any,
    account_id: int,
    video_id: str,
    posted_at: datetime | None,
    now: datetime,
    *,
    announced: bool,
) -> bool:
    """Records the video as seen; True when this call recorded it (only then is it announced)."""
    seen = {
        "account_id": account_id,
        "video_id": video_id,
        "posted_at": posted_at,
        "first_seen_at": now,
        "announced": announced,
    }
    return await insert_new(conn, "account_watch_seen_videos", "account_id, video_id", seen) is not None


async def record_seen_many(
    conn: Any, account_id: int, videos: Sequence[tuple[str, datetime | None]], now: datetime
) -> int:
    """Records videos as seen without announcing them (the back catalogue); returns how many were new."""
    if not videos:
        return 0
    status = await conn.execute(
        """
        INSERT INTO account_watch_seen_videos (account_id, video_id, posted_at, first_seen_at, announced)
        SELECT $1, v.video_id, v.posted_at, $4, false
          FROM unnest($2::text[], $3::timestamptz[]) AS v(video_id, posted_at)
        ON CONFLICT (account_id, video_id) DO NOTHING
        """,
        account_id,
        [v for v, _ in videos],
        [p for _, p in videos],
        now,
    )
    return int(status.split()[-1])


async def post_times_since(conn: Any, account_id: int, since: datetime) -> list[datetime]:
    """Publish times of the account's seen videos since `since` (its recent posting rate)."""
    rows = await conn.fetch(
        """
        SELECT posted_at FROM account_watch_seen_videos
         WHERE account_id = $1 AND posted_at >= $2 ORDER BY posted_at
        """,
        account_id,
        since,
    )
    return [r["posted_at"] for r in rows]
