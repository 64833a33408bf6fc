"""SQL about metrics snapshots (social_media_post_analytics): one row per answered check of a post, and
the original system's snapshots (no check index), which are history like any other, in capture order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.rows import insert_new


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A post's numbers at one check: check_index 0 is the snapshot taken when tracking started, k >= 1
    answers check_schedule[k-1]; None is a snapshot the original system took (before the upgrade)."""

    post_id: int
    check_index: int | None
    captured_at: datetime
    scheduled_for: datetime | None
    views: int
    likes: int
    comments: int
    shares: int
    saves: int

    @property
    def engagement_rate(self) -> float | None:
        """(likes + comments + shares) / views, or None with no views."""
        if not self.views:
            return None
        return (self.likes + self.comments + self.shares) / self.views


def _snapshot(r: Any) -> Snapshot:
    return Snapshot(
        post_id=r["post_id"],
        check_index=r["check_index"],
        captured_at=r["captured_at"],
        scheduled_for=r["scheduled_for"],
        views=int(r["views_count"] or 0),
        likes=int(r["likes_count"] or 0),
        comments=int(r["comments_count"] or 0),
        shares=int(r["shares_count"] or 0),
        saves=int(r["saves_count"] or 0),
    )


async def insert_snapshot(
    conn: Any,
    *,
    post_id: int,
    check_index: int,
    captured_at: datetime,
    scheduled_for: datetime | None,
    views: int,
    likes: int,
    comments: int,
    shares: int,
    saves: int,
) -> bool:
    """Records the snapshot; False (nothing written) when that check of the post is already recorded."""
    at = captured_at.astimezone(UTC)
    engagement = (likes + comments + shares) / views * 100 if views else None
    snapshot = {
        "post_id": post_id,
        "check_index": check_index,
        "scheduled_for": scheduled_for,
        "captured_at": at,
        "snapshot_date": at.date(),
        "snapshot_hour": at.hour,
        "views_count": views,
        "likes_count": likes,
        "comments_count": comments,
        "shares_count": shares,
        "saves_count": saves,
        # numeric(5,2) holds up to 999.99 (percent); a bogus answer must not fail the check.
        "engagement_rate": min(round(engagement, 2), 999.99) if engagement is not None else None,
        "created_at": at,
    }
    return await insert_new(conn, "social_media_post_analytics", "post_id, check_index", snapshot) is not None


# Capture order: the original's snapshots (no check index) came before any check of ours on the same post,
# and ours are in check order; the time breaks ties (and orders the original's among themselves).
_CAPTURE_ORDER = "check_index IS NOT NULL, check_index, coalesce(captured_at, created_at), id"
_COLUMNS = """
    id, post_id, check_index, coalesce(captured_at, created_at) AS captured_at, scheduled_for,
    views_count, likes_count, comments_count, shares_count, saves_count
"""


async def list_snapshots(conn: Any, post_id: int, *, before_index: int | None = None) -> list[Snapshot]:
    """The post's snapshots in capture order, the original system's first; with `before_index`, those
    before that check (the history a check-back's growth, pace and projection are of)."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM social_media_post_analytics
         WHERE post_id = $1 AND ($2::integer IS NULL OR check_index IS NULL OR check_index < $2)
         ORDER BY {_CAPTURE_ORDER}
        """,  # noqa: S608 - constant fragments
        post_id,
        before_index,
    )
    return [_snapshot(r) for r in rows]


async def median_views_at_check(
    conn: Any, account_id: int, check_index: int, *, exclude_post: int
) -> tuple[float | None, int]:
    """The median views of the account's other tracked posts at the same check, and how many there are."""
    row = await conn.fetchrow(
        """
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s.views_count) AS median, count(*) AS n
          FROM social_media_posts p
          JOIN social_media_post_analytics s ON s.post_id = p.id AND s.check_index = $2
         WHERE p.account_id = $1 AND p.id <> $3
        """,
        account_id,
        check_index,
        exclude_post,
    )
    median = row["median"]
    return (float(median) if median is not None else None), int(row["n"])


async def count_duplicates(conn: Any) -> int:
    """(post, check_index) pairs recorded more than once (must be 0; benches and tests check it)."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT post_id, check_index FROM social_media_post_analytics
                 WHERE check_index IS NOT NULL
                 GROUP BY post_id, check_index HAVING count(*) > 1) AS d
            """
        )
    )
